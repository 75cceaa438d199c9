import { contradictsOutcome, STATUS_RANK } from '../../db/repositories/messages';
import { statusEventType } from '../../services/events';

describe('carrier status rules', () => {
  it('treats opposite outcomes and a second, different failure as contradictions', () => {
    expect(contradictsOutcome('failed', 'delivered')).toBe(true);
    expect(contradictsOutcome('failed', 'read')).toBe(true);
    expect(contradictsOutcome('delivered', 'failed')).toBe(true);
    expect(contradictsOutcome('read', 'undelivered')).toBe(true);
    expect(contradictsOutcome('failed', 'undelivered')).toBe(true);
  });

  it('lets earlier steps and delivered-after-read fill in', () => {
    expect(contradictsOutcome('sent', 'delivered')).toBe(false);
    expect(contradictsOutcome('delivered', 'read')).toBe(false);
    expect(contradictsOutcome('failed', 'sent')).toBe(false);
    expect(STATUS_RANK.read).toBeGreaterThan(STATUS_RANK.delivered);
  });

  it('maps statuses to events (undelivered is message.failed; queued/sending none)', () => {
    expect(['queued', 'sending', 'sent', 'delivered', 'undelivered', 'failed', 'read'].map((s) => statusEventType(s as never))).toEqual([
      undefined, undefined, 'message.sent', 'message.delivered', 'message.failed', 'message.failed', 'message.read',
    ]);
  });
});
