import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker, makeTelemetryFilterString, type LogLevel } from '@temporalio/worker';
import path from 'node:path';
import { createDb } from '../db/connection';
import { createLogger, type Logger } from '../lib/logger';
import { guardedFetch, parseAllowList } from '../lib/outbound-url';
import { exportLinkSecret } from '../lib/export-link';
import { keyList } from '../lib/sealed-secrets';
import { simulatorCallbackSecret } from '../lib/simulator-secret';
import { registerSearchAttributes } from '../temporal/search-attributes';
import { workflowStarters } from '../temporal/starters';
import { SEARCH_ATTRIBUTES } from '../workflows/shared/search-attributes';
import { createCarrierRegistry, type CarrierRegistry } from '../carriers/registry';
import { bundleWorkflowsInChild } from './bundle';
import { createActivities } from '../activities/index';
import { smtpConfigFromUrl } from '../activities/webhook-exports';
import { loadWorkerConfig, type WorkerConfig } from './config';

export interface RunningWorker {
  worker: Worker;
  /** Resolves when the worker has stopped. */
  done: Promise<void>;
  close(): Promise<void>;
}

/**
 * Install the process-wide Temporal Runtime (core logs at WARN) unless one exists already. The embedded dev server
 * (TestWorkflowEnvironment.createLocal, in the stack and in jest's global setup) instantiates the default Runtime
 * in the same process, and Runtime.install would then throw, so an existing Runtime is kept.
 * `shutdownSignals: []` leaves SIGINT/SIGTERM to the caller (the stack stops its parts in order); `logger` sends the
 * SDK's own log lines to our logger instead of stderr.
 */
export function installWorkerRuntime(opts: { shutdownSignals?: NodeJS.Signals[]; logger?: Logger } = {}): void {
  if (Runtime._instance) return;
  const { logger } = opts;
  Runtime.install({
    ...(opts.shutdownSignals ? { shutdownSignals: opts.shutdownSignals } : {}),
    ...(logger
      ? {
          logger: new DefaultLogger('INFO', ({ level, message, meta }) =>
            logger[level.toLowerCase() as Lowercase<LogLevel>]({ ...meta }, message),
          ),
        }
      : {}),
    telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'WARN' }) } },
  });
}

/**
 * Start a Temporal worker for our workflows and activities. `workflowBundlePath` skips bundling (tests bundle once);
 * otherwise the workflows are bundled in a child process (worker/bundle.ts).
 */
export async function startWorker(
  config: WorkerConfig,
  opts: { logger?: Logger; workflowBundlePath?: string } = {},
): Promise<RunningWorker> {
  const logger = opts.logger ?? createLogger('worker', config.LOG_LEVEL);
  installWorkerRuntime();
  const db = createDb(config.DATABASE_URL, { pool: { min: 0, max: 20 }, logger });
  const connection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
  const carriers = carrierRegistryFromConfig(config, logger);
  // Activities that start workflows (the webhook dispatcher's sweep) are given starters, over a client beside the
  // worker's native connection.
  const clientConnection = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
  await registerSearchAttributes(clientConnection, config.TEMPORAL_NAMESPACE, Object.values(SEARCH_ATTRIBUTES), logger);
  const starters = workflowStarters(new Client({ connection: clientConnection, namespace: config.TEMPORAL_NAMESPACE }), config.TEMPORAL_TASK_QUEUE);
  const webhooks = {
    startRetry: ({ deliveryId, workspaceId, attemptsMade }: { deliveryId: string; workspaceId: string; attemptsMade: 0 | 1 }) =>
      starters.webhookDelivery({ deliveryId, workspaceId, retryScheduleMs: config.WEBHOOK_RETRY_SCHEDULE_MS, maxAttempts: config.WEBHOOK_MAX_ATTEMPTS, ...(attemptsMade ? { attemptsMade } : {}) }),
    retryScheduleMs: config.WEBHOOK_RETRY_SCHEDULE_MS,
    maxAttempts: config.WEBHOOK_MAX_ATTEMPTS,
    timeoutMs: config.WEBHOOK_TIMEOUT_MS,
    fetch: guardedFetch(parseAllowList(config.OUTBOUND_ALLOWED_HOSTS)),
    credentialsKeys: keyList(config.CREDENTIALS_ENCRYPTION_KEY),
  };
  const logExports = {
    smtp: config.SMTP_URL ? smtpConfigFromUrl(config.SMTP_URL) : undefined,
    from: config.SMTP_FROM,
    publicUrl: config.PUBLIC_URL,
    linkSecret: exportLinkSecret(config),
    linkTtlSeconds: config.EXPORT_LINK_TTL_SECONDS,
  };
  const worker = await Worker.create({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    workflowBundle: { codePath: opts.workflowBundlePath ?? (await bundleWorkflowsInChild()) },
    activities: createActivities({
      db,
      logger,
      exportDir: path.resolve(config.EXPORT_DIR),
      carriers,
      webhooks,
      logExports,
      publicUrl: config.PUBLIC_URL,
      importChunkRows: config.IMPORT_CHUNK_ROWS,
      dialerSignals: { callEnded: starters.dialerCallEnded, machineAnswered: starters.dialerMachineAnswered },
    }),
    maxConcurrentActivityTaskExecutions: config.WORKER_MAX_CONCURRENT_ACTIVITIES,
  });
  if (config.WEBHOOK_DISPATCHER_ENABLED) {
    // Idempotent across workers and restarts: the running dispatcher of this task queue is kept. Sweeps of up to
    // 200 deliveries (first attempts made in bulk), up to 4 in flight at once.
    await starters.webhookDispatcher({ intervalMs: config.WEBHOOK_DISPATCH_INTERVAL_MS, batchSize: 200, sweepsInFlight: 4 });
  }
  const done = worker.run();
  let closing: Promise<void> | undefined;
  return {
    worker,
    done,
    /** Idempotent: a second call waits for the first. */
    close() {
      closing ??= (async () => {
        if (worker.getState() === 'RUNNING') worker.shutdown();
        await done.catch((err) => logger.error({ err }, 'worker stopped with an error'));
        await connection.close();
        await clientConnection.close();
        await carriers.close();
        await db.destroy();
      })();
      return closing;
    },
  };
}

/** The worker's carrier adapters, from its environment (base URLs, keys, callback URL, simulator timings). */
export function carrierRegistryFromConfig(config: WorkerConfig, logger: Logger): CarrierRegistry {
  return createCarrierRegistry({
    twilioBaseUrl: config.TWILIO_BASE_URL,
    whatsappBaseUrl: config.WHATSAPP_GRAPH_BASE_URL,
    timeoutMs: config.CARRIER_TIMEOUT_MS,
    encryptionKeys: keyList(config.CREDENTIALS_ENCRYPTION_KEY),
    publicUrl: config.PUBLIC_URL,
    simulatorSecret: simulatorCallbackSecret(config),
    simulator: { sentDelayMs: config.SIMULATOR_SENT_DELAY_MS, deliveredDelayMs: config.SIMULATOR_DELIVERED_DELAY_MS },
    logger,
  });
}

if (require.main === module) {
  const config = loadWorkerConfig();
  const logger = createLogger('worker', config.LOG_LEVEL);
  startWorker(config, { logger })
    .then((w) => {
      logger.info({ taskQueue: config.TEMPORAL_TASK_QUEUE }, 'worker running');
      const stop = () => void w.close().then(() => process.exit(0));
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    })
    .catch((err) => {
      logger.fatal({ err }, 'worker failed to start');
      process.exit(1);
    });
}
