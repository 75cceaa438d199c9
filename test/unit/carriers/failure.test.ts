import { ApplicationFailure } from '@temporalio/common';
import { CARRIER_FAILURE_TYPES, toActivityFailure } from '../../../carriers/failure';
import { CarrierError } from '../../../carriers/types';

const asFailure = (x: unknown): ApplicationFailure => {
  expect(x).toBeInstanceOf(ApplicationFailure);
  return x as ApplicationFailure;
};

describe('toActivityFailure', () => {
  it('makes permanent carrier errors non-retryable, with the provider code in the details', () => {
    const f = asFailure(toActivityFailure(new CarrierError({ kind: 'permanent', provider: 'TWILIO', code: '21211', message: 'invalid To', httpStatus: 400 })));
    expect(f.nonRetryable).toBe(true);
    expect(f.type).toBe(CARRIER_FAILURE_TYPES.permanent);
    expect(f.message).toBe('TWILIO 21211: invalid To');
    expect(f.details).toEqual([{ provider: 'TWILIO', code: '21211', kind: 'permanent', httpStatus: 400, ambiguous: false }]);
    expect(f.nextRetryDelay).toBeUndefined();
    expect(f.cause).toBeInstanceOf(CarrierError);
  });

  it('gives rate-limited errors the provider delay as nextRetryDelay', () => {
    const f = asFailure(toActivityFailure(new CarrierError({ kind: 'rate_limited', provider: 'WHATSAPP_CLOUD', code: '130429', message: 'slow down', retryAfterMs: 6000 })));
    expect(f.nonRetryable).toBe(false);
    expect(f.type).toBe(CARRIER_FAILURE_TYPES.rate_limited);
    expect(f.nextRetryDelay).toBe(6000);
  });

  it('defaults a rate limit without a delay to one second', () => {
    expect(asFailure(toActivityFailure(new CarrierError({ kind: 'rate_limited', provider: 'TWILIO', code: '20429', message: 'x' }))).nextRetryDelay).toBe(1000);
  });

  it('leaves transient errors retryable with the policy back-off and reports ambiguity', () => {
    const f = asFailure(toActivityFailure(new CarrierError({ kind: 'transient', provider: 'SMTP', code: 'ETIMEDOUT', message: 'timeout', ambiguous: true })));
    expect(f.nonRetryable).toBe(false);
    expect(f.type).toBe(CARRIER_FAILURE_TYPES.transient);
    expect(f.nextRetryDelay).toBeUndefined();
    expect(f.details?.[0]).toMatchObject({ ambiguous: true });
  });

  it('returns anything else unchanged', () => {
    const plain = new Error('db down');
    expect(toActivityFailure(plain)).toBe(plain);
    const af = ApplicationFailure.nonRetryable('x');
    expect(toActivityFailure(af)).toBe(af);
  });
});
