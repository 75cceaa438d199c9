/*
 * Errors that mean "PostgreSQL cannot be reached right now" rather than "this query is wrong": the server refused
 * or dropped the connection, is shutting down or starting up, or the pool could not get a connection in time.
 * Callers answer them as a retryable 503, never as a 500.
 */

/** Seconds a client is told to wait (Retry-After) while the database is down. */
export const DATABASE_RETRY_AFTER_S = 5;

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
/** SQLSTATE class 08 (connection exception) and the operator-intervention codes a restart produces. */
const SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300']);

/** True when `err` says the database is down or unreachable (see above). */
export function isDatabaseUnavailable(err: unknown): boolean {
  const seen = new Set<unknown>();
  let e = err as { code?: unknown; name?: unknown; message?: unknown; cause?: unknown; errors?: unknown[] } | undefined;
  while (e && typeof e === 'object' && !seen.has(e)) {
    seen.add(e);
    const code = typeof e.code === 'string' ? e.code : '';
    if (NETWORK_CODES.has(code) || SQLSTATES.has(code) || code.startsWith('08')) return true;
    if (e.name === 'KnexTimeoutError') return true;
    if (typeof e.message === 'string' && /^Connection terminated|Timeout acquiring a connection/.test(e.message)) return true;
    // Node's AggregateError (a connect that tried IPv4 and IPv6) carries the real errors in `errors`.
    if (Array.isArray(e.errors) && e.errors.some((inner) => isDatabaseUnavailable(inner))) return true;
    e = e.cause as typeof e;
  }
  return false;
}
