/** Workflow ids are business ids, so a retried API request finds the run it already started. */
export const workflowIds = {
  /** One workflow per campaign run (a recurring campaign's runs are campaigns of their own). */
  campaign: (campaignId: string) => `campaign-${campaignId}`,
  /** The Temporal Schedule of a recurring campaign; each firing starts `campaign-recurrence-<id>-<time>`. */
  campaignSchedule: (campaignId: string) => `campaign-schedule-${campaignId}`,
  campaignRecurrence: (campaignId: string) => `campaign-recurrence-${campaignId}`,
  contactExport: (jobId: string) => `contact-export-${jobId}`,
  /** One contact import per job. */
  contactImport: (jobId: string) => `contact-import-${jobId}`,
  /** A campaign log or message history export (the job id is the export's). */
  logExport: (kind: 'campaign-log' | 'message', jobId: string) => `${kind}-export-${jobId}`,
  /** One workflow per auto-dialer campaign. */
  dialerCampaign: (campaignId: string) => `dialer-campaign-${campaignId}`,
  /** One workflow per outbound message; the message id is also the carrier idempotency key. */
  message: (messageId: string) => `message-${messageId}`,
  /** The workflow of a webhook delivery that needs retries (first attempts are made in bulk by the dispatcher); a replay runs the same id again. */
  webhookDelivery: (deliveryId: string) => `webhook-delivery-${deliveryId}`,
  /** One dispatcher per task queue (deployment). */
  webhookDispatcher: (taskQueue: string) => `webhook-dispatcher-${taskQueue}`,
  /** One SeaX log export per job (the job id is SeaX's job_id). */
  webhookLogExport: (jobId: string) => `webhook-log-export-${jobId}`,
};
