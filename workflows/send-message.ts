import { ActivityFailure, ApplicationFailure, condition, defineQuery, defineSignal, proxyActivities, setHandler } from '@temporalio/workflow';
import type { Activities, DispatchResult } from './shared/activities';
import { presets } from './shared/activity-options';

const { dispatchMessage } = proxyActivities<Activities>(presets.carrierCall);
const { failUnsentMessage } = proxyActivities<Activities>(presets.dbWrite);

export interface SendMessageInput {
  workspaceId: string;
  messageId: string;
  /** ISO instant; absent or past → send now. */
  sendAt?: string;
}

export interface SendMessageResult {
  /** The message's status when the workflow finished (sent, failed, canceled, …). */
  status: string;
  errorCode?: string;
}

export const rescheduleSignal = defineSignal<[{ sendAt: string }]>('reschedule');
export const cancelSignal = defineSignal('cancel');
export const sendMessageStateQuery = defineQuery<{ sendAt: string | null; deferredUntil: string | null; canceled: boolean }>('state');

/**
 * One outbound message: a durable timer until `sendAt` (moved by `reschedule`, ended by `cancel`), then the
 * dispatch activity, which may defer the send (quiet hours) — the workflow then sleeps durably and tries again.
 * The database row is the source of truth for cancel and reschedule (the API changes it first, then signals), so a
 * lost signal can only delay a wake-up, never send a canceled message.
 */
export async function sendMessageWorkflow(input: SendMessageInput): Promise<SendMessageResult> {
  let sendAt = input.sendAt ? Date.parse(input.sendAt) : undefined;
  let deferredUntil: number | undefined;
  let canceled = false;
  setHandler(rescheduleSignal, ({ sendAt: next }) => {
    sendAt = Date.parse(next);
  });
  setHandler(cancelSignal, () => {
    canceled = true;
  });
  setHandler(sendMessageStateQuery, () => ({
    sendAt: sendAt !== undefined ? new Date(sendAt).toISOString() : null,
    deferredUntil: deferredUntil !== undefined ? new Date(deferredUntil).toISOString() : null,
    canceled,
  }));

  const sleepUntil = async (at: () => number | undefined): Promise<void> => {
    for (;;) {
      const target = at();
      if (canceled || target === undefined || target <= Date.now()) return;
      // Wakes on cancel, on a reschedule (target changes) or when the timer fires.
      await condition(() => canceled || at() !== target, target - Date.now());
    }
  };

  await sleepUntil(() => sendAt);
  if (canceled) return { status: 'canceled' };

  for (;;) {
    let result: DispatchResult;
    try {
      result = await dispatchMessage({ workspaceId: input.workspaceId, messageId: input.messageId });
    } catch (err) {
      // Retries exhausted (or a non-retryable failure the activity did not record): record it on the row.
      const cause = err instanceof ActivityFailure ? err.cause : err;
      const code = cause instanceof ApplicationFailure && cause.type ? cause.type : 'send_failed';
      const message = cause instanceof Error ? cause.message : String(cause);
      const final = await failUnsentMessage({ workspaceId: input.workspaceId, messageId: input.messageId, code, message });
      return { status: final.status, errorCode: code };
    }
    if (result.deferUntil === undefined) return { status: result.status, ...(result.errorCode ? { errorCode: result.errorCode } : {}) };
    deferredUntil = Date.parse(result.deferUntil);
    sendAt = deferredUntil;
    await sleepUntil(() => sendAt);
    if (canceled) return { status: 'canceled' };
  }
}
