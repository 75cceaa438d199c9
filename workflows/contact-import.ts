import { ActivityFailure, proxyActivities } from '@temporalio/workflow';
import type { Activities } from './shared/activities';
import { presets } from './shared/activity-options';

const { runContactImport } = proxyActivities<Activities>(presets.importRun);
const { failJob, discardImportUpload } = proxyActivities<Activities>(presets.dbWrite);

export interface ContactImportInput {
  workspaceId: string;
  /** The job row holds the file, its header and the options, so they stay out of workflow history. */
  jobId: string;
}

export interface ContactImportResult {
  rows: number;
  canceled: boolean;
}

/**
 * Import a stored CSV or XLSX upload into the workspace's contacts: one activity streams the file and commits it
 * chunk by chunk, each chunk with the job's progress, so a retried attempt (a worker killed mid-import) resumes after
 * the last chunk that committed. A cancel request (on the job row) stops it after the chunk in hand.
 */
export async function contactImportWorkflow(input: ContactImportInput): Promise<ContactImportResult> {
  try {
    return await runContactImport(input);
  } catch (err) {
    const reason = err instanceof ActivityFailure && err.cause ? err.cause : err;
    await failJob({ workspaceId: input.workspaceId, jobId: input.jobId, message: reason instanceof Error ? reason.message : String(reason) });
    await discardImportUpload(input);
    throw err;
  }
}
