import type { ActivityOptions } from '@temporalio/workflow';

/** Named timeout and retry presets; workflows pick one instead of scattering numbers. */
export const presets = {
  /** Database writes and reads: short, retried with back-off on any infrastructure failure. */
  dbWrite: {
    startToCloseTimeout: '30 seconds',
    retry: { initialInterval: '500 milliseconds', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 20 },
  },
  /**
   * One set-based statement over a whole audience (resolving a million recipients, closing a campaign): minutes,
   * not seconds, and no heartbeat possible inside a single SQL statement. Retried like dbWrite.
   */
  audienceSql: {
    startToCloseTimeout: '30 minutes',
    retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 10 },
  },
  /** Streaming many rows to or from files (imports, exports): long, heartbeating. */
  bulkIo: {
    startToCloseTimeout: '2 hours',
    heartbeatTimeout: '1 minute',
    retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 10 },
  },
  /**
   * A contact import: one attempt streams the whole file, committing chunk by chunk, and heartbeats every few seconds
   * while it runs, so a dead worker's attempt is noticed within 15 s and the next attempt resumes after the last
   * committed chunk (the job row is the checkpoint). Bad files are refused before the job starts; what fails here is
   * infrastructure, retried with back-off.
   */
  importRun: {
    startToCloseTimeout: '6 hours',
    heartbeatTimeout: '15 seconds',
    retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 20, nonRetryableErrorTypes: ['ImportUnreadable'] },
  },
  /**
   * One carrier request (plus its database writes). The heartbeat timeout, not the start-to-close timeout, is what
   * notices a dead worker: the activity heartbeats while the request is outstanding, so a killed worker's attempt
   * is retried elsewhere within seconds. Permanent carrier errors are non-retryable (carriers/failure.ts);
   * transient ones back off; rate-limited ones wait for the provider's Retry-After (nextRetryDelay). Attempts are
   * unlimited: a crash or a timeout must never fail a message; the activity itself gives up once the carrier has
   * refused it too often (domain/retries.ts, counted on the message).
   */
  carrierCall: {
    startToCloseTimeout: '1 minute',
    heartbeatTimeout: '5 seconds',
    retry: {
      initialInterval: '1 second',
      backoffCoefficient: 2,
      maximumInterval: '1 minute',
      nonRetryableErrorTypes: ['CarrierPermanentError'],
    },
  },
  /**
   * One campaign batch: a few seconds of paced sends for up to a thousand recipients. Heartbeats while it runs, so
   * a dead worker's batch is retried elsewhere within seconds; the retry takes back the same recipients and
   * reconciles what was in flight (activities/campaigns/). Transient carrier errors back off and retry the batch.
   * Attempts are unlimited, so worker crashes never fail recipients: only carrier verdicts do, counted per message
   * (domain/retries.ts). Retries wait at most 10 s: a batch taken over after a crash should resume promptly, and a
   * retried batch only re-reads its own recipients.
   */
  campaignBatch: {
    startToCloseTimeout: '10 minutes',
    heartbeatTimeout: '10 seconds',
    retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '10 seconds', nonRetryableErrorTypes: ['CampaignNotFound'] },
  },
  /**
   * One webhook attempt made by a delivery workflow (a retry, or a first attempt the dispatcher's sweep handed over):
   * the HTTP request has its own 10 s deadline inside the activity, and an HTTP failure is a result, not an error
   * (the workflow's durable back-off handles it). Only infrastructure failures (database, a dead worker) are retried.
   */
  webhookDelivery: {
    startToCloseTimeout: '1 minute',
    retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 10 },
  },
  /**
   * One sweep of the webhook dispatcher: first attempts of up to a batch of deliveries, 32 at a time, each up to the
   * 10 s deadline (a batch of hanging receivers: about a minute), in one transaction. Heartbeats every second once it
   * has claimed work, so a dead worker's sweep is given up after 15 s (its transaction has rolled back already). Not
   * retried: the dispatcher's next sweep, an interval later, takes whatever a failed one left undispatched.
   */
  webhookSweep: {
    startToCloseTimeout: '5 minutes',
    heartbeatTimeout: '15 seconds',
    retry: { maximumAttempts: 1 },
  },
  /**
   * One placing batch of the dialer: up to max_dialers calls, paced per phone (a few seconds), each a carrier request
   * written before and recorded after. Heartbeats while it runs. Retried without a limit: every failure here is
   * infrastructure (a permanent carrier refusal is a result, not an error), and a retry is safe (it takes back the
   * batch's contacts and asks the carrier about any attempt it finds half done, activities/dialer.ts).
   */
  dialerPlace: {
    startToCloseTimeout: '5 minutes',
    heartbeatTimeout: '15 seconds',
    retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', nonRetryableErrorTypes: ['CampaignNotFound'] },
  },
} satisfies Record<string, ActivityOptions>;
