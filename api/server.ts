import type { Server } from 'node:http';
import { createDb } from '../db/connection';
import { createLogger, type Logger } from '../lib/logger';
import { connectTemporal } from '../temporal/client';
import { createApp } from './app';
import { loadApiConfig, type ApiConfig } from './config';

export interface RunningApi {
  server: Server;
  url: string;
  close(): Promise<void>;
}

/** Start the API: config, knex, Temporal client, createApp(deps).listen(); close() drains and disconnects. */
export async function startApi(config: ApiConfig, logger: Logger = createLogger('api', config.LOG_LEVEL)): Promise<RunningApi> {
  const db = createDb(config.DATABASE_URL, { logger });
  const { client, connection } = await connectTemporal(config.TEMPORAL_ADDRESS, config.TEMPORAL_NAMESPACE, { startTimeoutMs: config.TEMPORAL_START_TIMEOUT_MS });
  const app = createApp({ db, temporal: client, config, logger });
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(config.PORT, config.HOST, () => resolve(s));
    s.once('error', reject);
  });
  const host = config.HOST === '0.0.0.0' ? '127.0.0.1' : config.HOST;
  return {
    server,
    url: `http://${host}:${config.PORT}`,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections?.();
      await connection.close();
      await db.destroy();
    },
  };
}

if (require.main === module) {
  const config = loadApiConfig();
  const logger = createLogger('api', config.LOG_LEVEL);
  startApi(config, logger)
    .then((api) => {
      logger.info({ url: api.url }, 'API listening');
      const stop = () => void api.close().then(() => process.exit(0));
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    })
    .catch((err) => {
      logger.fatal({ err }, 'API failed to start');
      process.exit(1);
    });
}
