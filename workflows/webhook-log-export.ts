import { ActivityFailure, proxyActivities } from '@temporalio/workflow';
import type { Activities } from './shared/activities';
import { presets } from './shared/activity-options';

const { runWebhookLogExport, failJob } = proxyActivities<Activities>(presets.bulkIo);
// One SMTP hand-over plus a job update: short; a permanent SMTP refusal is non-retryable (carriers/failure.ts).
const { emailWebhookLogExport } = proxyActivities<Activities>(presets.dbWrite);

export interface WebhookLogExportInput {
  workspaceId: string;
  /** The job row holds the e-mail address, date range and language, so they stay out of workflow history. */
  jobId: string;
}

export interface WebhookLogExportResult {
  rows: number;
}

/** Export a workspace's SeaX webhook delivery logs to a CSV file, then e-mail a signed link to it. */
export async function webhookLogExportWorkflow(input: WebhookLogExportInput): Promise<WebhookLogExportResult> {
  try {
    const { rows } = await runWebhookLogExport(input);
    await emailWebhookLogExport(input);
    return { rows };
  } catch (err) {
    // The activity's own error says why ("No SMTP relay is configured"), not the ActivityFailure wrapping it.
    const reason = err instanceof ActivityFailure && err.cause ? err.cause : err;
    await failJob({ workspaceId: input.workspaceId, jobId: input.jobId, message: reason instanceof Error ? reason.message : String(reason) });
    throw err;
  }
}
