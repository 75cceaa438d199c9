/**
 * What a use case answers when it cannot do what was asked, in the words of the use case, not of HTTP:
 * something is not there, a field is invalid, the object's current status forbids the change, it is forbidden or
 * gone, or a service it needs is unavailable. api/errors.ts alone turns these into status codes and the two
 * dialects' bodies; the worker and the CLI read them as they are.
 */
import type { ZodError } from 'zod';

export type AppErrorKind = 'not_found' | 'invalid' | 'conflict' | 'forbidden' | 'gone' | 'unavailable';

/** An error a client caused or may act on; `code` is the machine-readable name clients see. */
export class AppError extends Error {
  constructor(
    readonly kind: AppErrorKind,
    readonly code: string,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

/** Field errors keyed by dotted path, e.g. {"phone_number": ["Not a valid phone number."]}. */
export type FieldErrors = Record<string, string[]>;

/** Where the invalid input was. */
export type InputLocation = 'body' | 'query' | 'path' | 'header';

/** One or more invalid fields, each named. */
export class InvalidError extends AppError {
  constructor(
    readonly fieldErrors: FieldErrors,
    readonly location: InputLocation = 'body',
  ) {
    super('invalid', 'validation_failed', firstMessage(fieldErrors), { errors: fieldErrors });
  }

  /** Every issue of a zod error, keyed by its field path (the location when the issue is about the whole input). */
  static fromZod(error: ZodError, location: InputLocation): InvalidError {
    const errors: FieldErrors = {};
    for (const issue of error.issues) {
      const field = issue.path.length ? issue.path.map(String).join('.') : location;
      (errors[field] ??= []).push(describeIssue(field, issue.message));
    }
    return new InvalidError(errors, location);
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

/** `<what> not found.` */
export const notFound = (what: string, message = `${what} not found.`): AppError => new AppError('not_found', 'not_found', message);
/** One invalid field. */
export const invalid = (field: string, message: string, location: InputLocation = 'body'): InvalidError => new InvalidError({ [field]: [message] }, location);
/** The object's current state forbids the change (details name it, e.g. `{status}`). */
export const conflict = (message: string, details?: Record<string, unknown>, code = 'conflict'): AppError => new AppError('conflict', code, message, details);
export const forbidden = (code: string, message: string, details?: Record<string, unknown>): AppError => new AppError('forbidden', code, message, details);
export const gone = (code: string, message: string): AppError => new AppError('gone', code, message);
/** A service the use case needs (Temporal, the database) cannot be reached; nothing was left half-done. */
export const unavailable = (message: string, details?: Record<string, unknown>): AppError => new AppError('unavailable', 'service_unavailable', message, details);
