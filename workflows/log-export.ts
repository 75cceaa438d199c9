import { ActivityFailure, proxyActivities } from '@temporalio/workflow';
import type { Activities } from './shared/activities';
import { presets } from './shared/activity-options';

const { runLogExport } = proxyActivities<Activities>(presets.bulkIo);
const { emailExportLink, failJob } = proxyActivities<Activities>(presets.dbWrite);

export interface LogExportInput {
  workspaceId: string;
  /** The job row holds what to export (campaign logs or messages), the filters and the optional e-mail address. */
  jobId: string;
}

/** Export a campaign's per-recipient log or the message history to a CSV file, then e-mail a link when asked to. */
export async function logExportWorkflow(input: LogExportInput): Promise<{ rows: number }> {
  try {
    const { rows } = await runLogExport(input);
    await emailExportLink(input);
    return { rows };
  } catch (err) {
    const reason = err instanceof ActivityFailure && err.cause ? err.cause : err;
    await failJob({ workspaceId: input.workspaceId, jobId: input.jobId, message: reason instanceof Error ? reason.message : String(reason) });
    throw err;
  }
}
