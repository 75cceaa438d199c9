import { ApplicationFailure } from '@temporalio/common';
import { CarrierError } from './types';

/** ApplicationFailure type names, for retry policies' `nonRetryableErrorTypes` and for workflows that branch on them. */
export const CARRIER_FAILURE_TYPES = {
  permanent: 'CarrierPermanentError',
  transient: 'CarrierTransientError',
  rate_limited: 'CarrierRateLimitedError',
} as const;

/** What a workflow sees in `failure.details[0]` of a carrier failure. */
export interface CarrierFailureDetails {
  provider: string;
  code: string;
  kind: CarrierError['kind'];
  httpStatus?: number;
  ambiguous: boolean;
}

/**
 * The one mapper from a classified carrier error to what Temporal understands: permanent → non-retryable (the
 * workflow records the failure); rate-limited → retryable with `nextRetryDelay` taken from the provider;
 * transient → retryable with the activity's own back-off. Anything that is not a CarrierError is returned
 * unchanged, so Temporal treats it as a retryable activity failure (a bug or a database hiccup is not a carrier's
 * verdict). Use as `catch (err) { throw toActivityFailure(err); }`.
 */
export function toActivityFailure(err: unknown): unknown {
  if (!(err instanceof CarrierError)) return err;
  const details: CarrierFailureDetails = {
    provider: err.provider,
    code: err.code,
    kind: err.kind,
    httpStatus: err.httpStatus,
    ambiguous: err.ambiguous,
  };
  const message = `${err.provider} ${err.code}: ${err.message}`;
  switch (err.kind) {
    case 'permanent':
      return ApplicationFailure.create({ message, type: CARRIER_FAILURE_TYPES.permanent, nonRetryable: true, details: [details], cause: err });
    case 'rate_limited':
      return ApplicationFailure.create({
        message,
        type: CARRIER_FAILURE_TYPES.rate_limited,
        nonRetryable: false,
        details: [details],
        nextRetryDelay: err.retryAfterMs ?? 1000,
        cause: err,
      });
    case 'transient':
      return ApplicationFailure.create({ message, type: CARRIER_FAILURE_TYPES.transient, nonRetryable: false, details: [details], cause: err });
  }
}
