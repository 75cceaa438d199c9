import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from './shared/activities';
import { presets } from './shared/activity-options';

const { runContactExport, failJob } = proxyActivities<Activities>(presets.bulkIo);

export interface ContactExportInput {
  workspaceId: string;
  jobId: string;
}

export interface ContactExportResult {
  rows: number;
}

/** Export a workspace's contacts (optionally filtered) to a CSV file and record the result on the job. */
export async function contactExportWorkflow(input: ContactExportInput): Promise<ContactExportResult> {
  try {
    return await runContactExport(input);
  } catch (err) {
    await failJob({ workspaceId: input.workspaceId, jobId: input.jobId, message: err instanceof Error ? err.message : String(err) });
    throw err;
  }
}
