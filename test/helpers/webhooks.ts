import { WebhookReceiver } from '../fakes/webhook-receiver';

/**
 * Worker settings for webhook tests: the dispatcher on and sweeping every 100 ms, the retry schedule scaled down to
 * 150 ms steps, a 4 s attempt deadline, and loopback receivers allowed through the outbound URL guard.
 */
export const WEBHOOK_TEST_ENV = {
  OUTBOUND_ALLOWED_HOSTS: 'example.com,127.0.0.1',
  WEBHOOK_DISPATCHER_ENABLED: 'true',
  WEBHOOK_DISPATCH_INTERVAL_MS: '100',
  WEBHOOK_RETRY_SCHEDULE_MS: '150,150,150,150,150',
  // Generous for a busy machine, where a healthy local receiver can take over a second to answer.
  WEBHOOK_TIMEOUT_MS: '4000',
};

/** Local receivers started by a test file, closed together (after each test or after all). */
export function receiverPool() {
  const started: WebhookReceiver[] = [];
  return {
    async start(): Promise<WebhookReceiver> {
      const r = await new WebhookReceiver().start();
      started.push(r);
      return r;
    },
    closeAll: () => Promise.all(started.splice(0).map((r) => r.close())),
  };
}
