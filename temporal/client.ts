import { Client, Connection } from '@temporalio/client';

/** How long starting a workflow may take, gRPC retries included, before the caller gives up (TEMPORAL_START_TIMEOUT_MS). */
export const DEFAULT_START_TIMEOUT_MS = 2000;

/**
 * A Temporal client whose workflow starts (and signal-with-starts) carry a deadline: without one, the SDK retries
 * an unreachable server for 18–20 s, so a request that starts a workflow would hang that long before its 503.
 * Past the deadline the start fails with DEADLINE_EXCEEDED; the caller then records that nothing was started
 * (e.g. the message row is marked failed, so a workflow that did start anyway finds nothing to send).
 */
export function temporalClient(connection: Connection, namespace: string, opts: { startTimeoutMs?: number } = {}): Client {
  const ms = opts.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS;
  const bounded = <T>(fn: () => Promise<T>): Promise<T> => connection.withDeadline(Date.now() + ms, fn);
  return new Client({
    connection,
    namespace,
    interceptors: {
      workflow: [
        {
          startWithDetails: (input, next) => bounded(() => next(input)),
          signalWithStart: (input, next) => bounded(() => next(input)),
        },
      ],
    },
  });
}

/** A Temporal client for the API and tools; the caller closes `connection` on shutdown. */
export async function connectTemporal(address: string, namespace: string, opts: { startTimeoutMs?: number } = {}): Promise<{ client: Client; connection: Connection }> {
  const connection = await Connection.connect({ address });
  return { client: temporalClient(connection, namespace, opts), connection };
}
