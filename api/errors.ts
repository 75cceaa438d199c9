import { DATABASE_RETRY_AFTER_S, isDatabaseUnavailable } from '../lib/database-unavailable';
import { EncryptionKeyMissingError } from '../lib/sealed-secrets';
import { AppError, InvalidError, type AppErrorKind } from '../services/errors';

/** Which API's conventions a route follows: error shapes and pagination differ between them. */
export type Dialect = 'seax' | 'zagely';

export function dialectOf(path: string): Dialect {
  return path.startsWith('/api/v1/workspace/') || path.startsWith('/notify-api/') ? 'seax' : 'zagely';
}

/**
 * An error of the HTTP layer itself (authentication, limits, malformed requests, unknown routes), or a use case's
 * AppError given its status code by {@link toApiError}: the only place 4xx/5xx numbers are chosen.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: Record<string, unknown>,
    readonly headers: Record<string, string> = {},
    /** Set for invalid input: every field with its messages. */
    readonly invalid?: InvalidError,
  ) {
    super(message);
  }
}

const STATUS_OF: Record<AppErrorKind, number> = { not_found: 404, invalid: 422, conflict: 409, forbidden: 403, gone: 410, unavailable: 503 };

/** Any thrown value as the ApiError to answer with: use-case errors by kind, body-parser errors by their status, the rest 500. */
export function toApiError(thrown: unknown): ApiError {
  if (thrown instanceof ApiError) return thrown;
  if (thrown instanceof AppError) {
    return new ApiError(STATUS_OF[thrown.kind], thrown.code, thrown.message, thrown.details, {}, thrown instanceof InvalidError ? thrown : undefined);
  }
  const e = thrown as { status?: number; statusCode?: number; expose?: boolean; message?: string; type?: string };
  const status = e?.status ?? e?.statusCode;
  // Body-parser and other http-errors that are the client's fault.
  if (status && status >= 400 && status < 500 && e.expose !== false) {
    if (status === 400 && /forbidden prototype property/.test(e.message ?? '')) {
      // co-body parses with @hapi/bourne, which refuses a "__proto__" key (prototype poisoning): valid JSON, refused.
      return new ApiError(400, 'invalid_json', 'The request body has a "__proto__" key, which is not accepted (prototype pollution guard); rename the key.');
    }
    if (status === 400 || e.type === 'entity.parse.failed') {
      return new ApiError(400, 'invalid_json', 'The request body is not valid JSON.');
    }
    if (status === 413) return new ApiError(413, 'payload_too_large', 'The request body is too large.');
    if (status === 415) return new ApiError(415, 'unsupported_media_type', 'Send the body as application/json.');
    return new ApiError(status, 'bad_request', e.message ?? 'Bad request.');
  }
  if (thrown instanceof EncryptionKeyMissingError) {
    return new ApiError(503, 'encryption_key_missing', 'This server has no CREDENTIALS_ENCRYPTION_KEY, so it cannot store or use secrets; its operator must set one.');
  }
  if (isDatabaseUnavailable(thrown)) {
    return new ApiError(503, 'service_unavailable', 'The database is unavailable; retry shortly.', undefined, { 'Retry-After': String(DATABASE_RETRY_AFTER_S) });
  }
  return new ApiError(500, 'server_error', 'Internal server error. Quote the request_id when contacting support.');
}

const SEAX_TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  422: 'Validation Error',
  429: 'Rate Limit Exceeded',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/**
 * Render an error in the dialect's shape.
 * Zagely: `{error: {code, message, details}}` exactly as documented.
 * SeaX documents two shapes (FastAPI's `{detail}` in the analytics reference and `{error, message, status_code,
 * details}` in the tutorials); we return one body carrying both, so clients written against either keep working.
 */
export function renderError(dialect: Dialect, err: ApiError, requestId: string): Record<string, unknown> {
  if (dialect === 'zagely') {
    return { error: { code: err.code, message: err.message, ...(err.details ? { details: err.details } : {}) }, request_id: requestId };
  }
  const body: Record<string, unknown> = {
    error: SEAX_TITLES[err.status] ?? 'Error',
    message: err.message,
    status_code: err.status,
    code: err.code,
    request_id: requestId,
  };
  if (err.invalid) {
    const { fieldErrors, location } = err.invalid;
    const [field] = Object.keys(fieldErrors);
    body.details = { field, code: 'INVALID_FORMAT', errors: fieldErrors };
    body.detail = Object.entries(fieldErrors).flatMap(([f, msgs]) => msgs.map((msg) => ({ loc: [location, ...f.split('.')], msg, type: 'value_error' })));
  } else {
    if (err.details) body.details = err.details;
    body.detail = err.message;
  }
  if (err.status === 429 && err.headers['Retry-After']) body.retry_after = Number(err.headers['Retry-After']);
  return body;
}
