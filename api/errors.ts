import type { ZodError } from 'zod';

/** Which API's conventions a route follows: error shapes and pagination differ between them. */
export type Dialect = 'seax' | 'zagely';

export function dialectOf(path: string): Dialect {
  return path.startsWith('/api/v1/workspace/') || path.startsWith('/notify-api/') ? 'seax' : 'zagely';
}

/** An error a client caused or may act on; rendered per dialect by the error middleware. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: Record<string, unknown>,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** Field errors keyed by dotted path, e.g. {"phone_number": ["Not a valid phone number."]}. */
export type FieldErrors = Record<string, string[]>;

export class ValidationError extends ApiError {
  constructor(
    readonly fieldErrors: FieldErrors,
    readonly location: 'body' | 'query' | 'path' | 'header' = 'body',
  ) {
    super(422, 'validation_failed', firstMessage(fieldErrors), { errors: fieldErrors });
  }

  static fromZod(error: ZodError, location: ValidationError['location']): ValidationError {
    const errors: FieldErrors = {};
    for (const issue of error.issues) {
      const field = issue.path.length ? issue.path.map(String).join('.') : location;
      (errors[field] ??= []).push(describeIssue(field, issue.message));
    }
    return new ValidationError(errors, location);
  }

  static field(field: string, message: string, location: ValidationError['location'] = 'body'): ValidationError {
    return new ValidationError({ [field]: [message] }, location);
  }
}

function describeIssue(field: string, message: string): string {
  const escaped = field.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(^|[^A-Za-z0-9_])${escaped}($|[^A-Za-z0-9_])`, 'i').test(message) ? message : `The ${field} field: ${message}`;
}

function firstMessage(errors: FieldErrors): string {
  const first = Object.values(errors)[0];
  return first?.[0] ?? 'The given data was invalid.';
}

export const notFound = (what: string): ApiError => new ApiError(404, 'not_found', `${what} not found.`);
export const conflict = (message: string, details?: Record<string, unknown>): ApiError =>
  new ApiError(409, 'conflict', message, details);

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
  if (err instanceof ValidationError) {
    const [field] = Object.keys(err.fieldErrors);
    body.details = { field, code: 'INVALID_FORMAT', errors: err.fieldErrors };
    body.detail = Object.entries(err.fieldErrors).flatMap(([f, msgs]) =>
      msgs.map((msg) => ({ loc: [err.location, ...f.split('.')], msg, type: 'value_error' })),
    );
  } else {
    if (err.details) body.details = err.details;
    body.detail = err.message;
  }
  if (err.status === 429 && err.headers['Retry-After']) body.retry_after = Number(err.headers['Retry-After']);
  return body;
}
