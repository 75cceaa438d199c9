/**
 * A real worker in its own process, for crash tests: started with `node --import tsx test/helpers/worker-process.ts`
 * and the worker's environment (DATABASE_URL, TEMPORAL_ADDRESS, TEMPORAL_TASK_QUEUE, …) plus TEST_WORKFLOW_BUNDLE.
 * Prints "worker ready" once it polls its task queue, so a test can SIGKILL it at a moment of its choosing.
 */
import { startWorker } from '../../worker/main';
import { loadWorkerConfig } from '../../worker/config';
import { createLogger } from '../../lib/logger';

const config = loadWorkerConfig();
startWorker(config, { logger: createLogger('worker-process', config.LOG_LEVEL), workflowBundlePath: process.env.TEST_WORKFLOW_BUNDLE })
  .then(() => process.stdout.write('worker ready\n'))
  .catch((err: unknown) => {
    process.stderr.write(`worker failed: ${String(err)}\n`);
    process.exit(1);
  });
