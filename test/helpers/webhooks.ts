/**
 * Worker settings for webhook tests: the dispatcher on and sweeping every 100 ms, the retry schedule scaled down to
 * 150 ms steps, a 1 s attempt deadline, and loopback receivers allowed through the outbound URL guard.
 */
export const WEBHOOK_TEST_ENV = {
  OUTBOUND_ALLOWED_HOSTS: 'example.com,127.0.0.1',
  WEBHOOK_DISPATCHER_ENABLED: 'true',
  WEBHOOK_DISPATCH_INTERVAL_MS: '100',
  WEBHOOK_RETRY_SCHEDULE_MS: '150,150,150,150,150',
  WEBHOOK_TIMEOUT_MS: '1000',
};
