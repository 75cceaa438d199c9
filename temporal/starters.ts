/**
 * Every workflow start and signal, one function per workflow kind: the workflow id (a business id, so a retried
 * request finds the run it started), search attributes, a summary naming the object in the Temporal UI, the
 * conflict policy and what "already started" means. The only place a workflow is started or signalled; the API,
 * the CLI and the worker's activities (through injected functions) come here.
 */
import { ScheduleNotFoundError, WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type Client, type ScheduleHandle } from '@temporalio/client';
import {
  campaignCancelSignal,
  campaignPauseSignal,
  campaignProgressQuery,
  campaignRecurrenceWorkflow,
  campaignRescheduleSignal,
  campaignResumeSignal,
  campaignWorkflow,
  type CampaignInput,
  type CampaignRecurrenceInput,
} from '../workflows/campaign';
import { contactExportWorkflow } from '../workflows/contact-export';
import { contactImportWorkflow } from '../workflows/contact-import';
import { logExportWorkflow } from '../workflows/log-export';
import {
  dialerCallEndedSignal,
  dialerCampaignWorkflow,
  dialerCancelSignal,
  dialerMachineSignal,
  dialerPauseSignal,
  dialerProgressQuery,
  dialerResumeSignal,
  type DialerInput,
} from '../workflows/dialer';
import type { CallEnded } from '../workflows/shared/activities';
import { cancelSignal, rescheduleSignal, sendMessageWorkflow } from '../workflows/send-message';
import { workflowIds } from '../workflows/shared/ids';
import { SEARCH_ATTRIBUTES } from '../workflows/shared/search-attributes';
import { webhookDeliveryWorkflow, type WebhookDeliveryInput } from '../workflows/webhook-delivery';
import { webhookDispatcherWorkflow, type WebhookDispatcherInput } from '../workflows/webhook-dispatcher';
import { webhookLogExportWorkflow } from '../workflows/webhook-log-export';

const attributes = (workspaceId: string | undefined, kind: string, extra: { campaignType?: string } = {}) => [
  ...(workspaceId ? [{ key: SEARCH_ATTRIBUTES.workspaceId, value: workspaceId }] : []),
  { key: SEARCH_ATTRIBUTES.workflowKind, value: kind },
  ...(extra.campaignType ? [{ key: SEARCH_ATTRIBUTES.campaignType, value: extra.campaignType }] : []),
];

/** A signal to a run that has already closed needs no answer: the row is the truth and was changed first. */
const ignoreClosed = (err: unknown): void => {
  if (!(err instanceof WorkflowNotFoundError)) throw err;
};
const ignoreMissingSchedule = (err: unknown): void => {
  if (!(err instanceof ScheduleNotFoundError)) throw err;
};

/** The campaign a run or Schedule is for, as its starters need it. */
export interface CampaignStart {
  workspaceId: string;
  campaignId: string;
  name: string;
  channel: string;
}

/** A job of a workspace, as its workflow takes it. */
export interface JobStart {
  workspaceId: string;
  jobId: string;
}

/** Starters bound to a client and the task queue the workers poll. */
export function workflowStarters(client: Client, taskQueue: string) {
  const campaignSchedule = (campaignId: string): ScheduleHandle => client.schedule.getHandle(workflowIds.campaignSchedule(campaignId));
  const campaignHandle = (campaignId: string) => client.workflow.getHandle(workflowIds.campaign(campaignId));
  const messageHandle = (messageId: string) => client.workflow.getHandle(workflowIds.message(messageId));
  const dialerHandle = (campaignId: string) => client.workflow.getHandle(workflowIds.dialerCampaign(campaignId));
  const dialerSignals = { pause: dialerPauseSignal, resume: dialerResumeSignal, cancel: dialerCancelSignal };

  /** A job's workflow (its input is the job's reference: the row holds the rest). */
  async function startJob(workflow: (input: JobStart) => Promise<unknown>, workflowId: string, kind: string, summary: string, job: JobStart): Promise<string> {
    await client.workflow.start(workflow, { taskQueue, workflowId, args: [job], typedSearchAttributes: attributes(job.workspaceId, kind), staticSummary: summary });
    return workflowId;
  }

  return {
    taskQueue,

    /** `message-<id>`; starting it again (a retried request) is a no-op. Answers the workflow id. */
    async message(m: { workspaceId: string; messageId: string; to: string; sendAt?: Date }): Promise<string> {
      const workflowId = workflowIds.message(m.messageId);
      try {
        await client.workflow.start(sendMessageWorkflow, {
          taskQueue,
          workflowId,
          args: [{ workspaceId: m.workspaceId, messageId: m.messageId, ...(m.sendAt ? { sendAt: m.sendAt.toISOString() } : {}) }],
          typedSearchAttributes: attributes(m.workspaceId, 'message'),
          staticSummary: `Message to ${m.to}${m.sendAt ? `, scheduled for ${m.sendAt.toISOString()}` : ''}`,
        });
      } catch (err) {
        if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      }
      return workflowId;
    },
    cancelMessage: (messageId: string) => messageHandle(messageId).signal(cancelSignal).catch(ignoreClosed),
    rescheduleMessage: (messageId: string, sendAt: Date) => messageHandle(messageId).signal(rescheduleSignal, { sendAt: sendAt.toISOString() }).catch(ignoreClosed),

    /** `campaign-<id>`, one run; an existing run of this id is kept. Answers the workflow id. */
    async campaign(c: CampaignStart, input: Omit<CampaignInput, 'workspaceId' | 'campaignId'>): Promise<string> {
      const workflowId = workflowIds.campaign(c.campaignId);
      await client.workflow.start(campaignWorkflow, {
        taskQueue,
        workflowId,
        workflowIdConflictPolicy: 'USE_EXISTING',
        args: [{ workspaceId: c.workspaceId, campaignId: c.campaignId, ...input }],
        typedSearchAttributes: attributes(c.workspaceId, 'campaign', { campaignType: c.channel }),
        staticSummary: `Campaign "${c.name}" (${c.channel})`,
      });
      return workflowId;
    },
    pauseCampaign: (campaignId: string) => campaignHandle(campaignId).signal(campaignPauseSignal).catch(ignoreClosed),
    resumeCampaign: (campaignId: string) => campaignHandle(campaignId).signal(campaignResumeSignal).catch(ignoreClosed),
    cancelCampaign: (campaignId: string) => campaignHandle(campaignId).signal(campaignCancelSignal).catch(ignoreClosed),
    /** Move a waiting run's start (null: start now). */
    rescheduleCampaign: (campaignId: string, startAt: Date | null) => campaignHandle(campaignId).signal(campaignRescheduleSignal, { startAt: startAt?.toISOString() ?? null }),
    /** A scheduled run that never started goes with its deleted campaign. */
    terminateCampaign: (campaignId: string, reason: string) => campaignHandle(campaignId).terminate(reason).catch(() => undefined),
    /** The run's live numbers, or null when it is not running (or Temporal cannot be asked). */
    campaignProgress: (campaignId: string) => campaignHandle(campaignId).query(campaignProgressQuery).catch(() => null),

    /**
     * `campaign-schedule-<id>`: a recurring campaign's Temporal Schedule, firing `campaign-recurrence-<id>-<time>`;
     * creating it again (a retried request) keeps the existing one. Answers the schedule id.
     */
    async campaignSchedule(
      c: CampaignStart,
      s: { cron?: string; intervalSeconds?: number; timezone: string; startAt?: Date | null; endAt?: Date | null; paused: boolean; run: CampaignRecurrenceInput['run'] },
    ): Promise<string> {
      const scheduleId = workflowIds.campaignSchedule(c.campaignId);
      try {
        await client.schedule.create({
          scheduleId,
          spec: {
            ...(s.cron ? { cronExpressions: [s.cron] } : { intervals: [{ every: `${s.intervalSeconds}s` }] }),
            timezone: s.timezone,
            ...(s.startAt ? { startAt: s.startAt } : {}),
            ...(s.endAt ? { endAt: s.endAt } : {}),
          },
          action: {
            type: 'startWorkflow',
            workflowType: campaignRecurrenceWorkflow,
            workflowId: workflowIds.campaignRecurrence(c.campaignId),
            taskQueue,
            args: [{ workspaceId: c.workspaceId, parentId: c.campaignId, channel: c.channel, run: s.run }],
            typedSearchAttributes: attributes(c.workspaceId, 'campaign-recurrence', { campaignType: c.channel }),
            staticSummary: `Recurring campaign "${c.name}": creates this firing's run`,
          },
          policies: { overlap: 'ALLOW_ALL' },
          state: { paused: s.paused },
        });
      } catch (err) {
        if ((err as Error).name !== 'ScheduleAlreadyRunning') throw err;
      }
      return scheduleId;
    },
    pauseCampaignSchedule: (campaignId: string) => campaignSchedule(campaignId).pause('paused through the API').catch(ignoreMissingSchedule),
    resumeCampaignSchedule: (campaignId: string) => campaignSchedule(campaignId).unpause('resumed through the API').catch(ignoreMissingSchedule),
    deleteCampaignSchedule: (campaignId: string) => campaignSchedule(campaignId).delete().catch(ignoreMissingSchedule),
    /** The Schedule's next firing times (none when paused or gone). */
    async campaignScheduleUpcoming(campaignId: string): Promise<Date[]> {
      try {
        const d = await campaignSchedule(campaignId).describe();
        return d.state.paused ? [] : d.info.nextActionTimes;
      } catch (err) {
        ignoreMissingSchedule(err);
        return [];
      }
    },

    /** `dialer-campaign-<id>`, one run per campaign; an existing run of this id is kept. Answers the workflow id. */
    async dialerCampaign(c: { workspaceId: string; campaignId: string; name: string; type: string }, input: Omit<DialerInput, 'workspaceId' | 'campaignId'>): Promise<string> {
      const workflowId = workflowIds.dialerCampaign(c.campaignId);
      await client.workflow.start(dialerCampaignWorkflow, {
        taskQueue,
        workflowId,
        workflowIdConflictPolicy: 'USE_EXISTING',
        args: [{ workspaceId: c.workspaceId, campaignId: c.campaignId, ...input }],
        typedSearchAttributes: attributes(c.workspaceId, 'dialer-campaign', { campaignType: c.type }),
        staticSummary: `Auto-dialer campaign "${c.name}" (${c.type})${input.startAt ? `, starts ${input.startAt}` : ''}`,
      });
      return workflowId;
    },
    /** pause / resume / cancel a dialer campaign's run (the row changed first). */
    signalDialer: (campaignId: string, action: 'pause' | 'resume' | 'cancel') => dialerHandle(campaignId).signal(dialerSignals[action]).catch(ignoreClosed),
    /** A call of the campaign ended (recorded first); a closed run needs no answer. */
    dialerCallEnded: (campaignId: string, e: CallEnded) => dialerHandle(campaignId).signal(dialerCallEndedSignal, e).catch(ignoreClosed),
    /** A machine answered a call meant for a person: the run hangs it up. */
    dialerMachineAnswered: (campaignId: string, attemptId: string) => dialerHandle(campaignId).signal(dialerMachineSignal, { attemptId }).catch(ignoreClosed),
    /** The run's live numbers, or null when it is not running. */
    dialerProgress: (campaignId: string) => dialerHandle(campaignId).query(dialerProgressQuery).catch(() => null),

    /** `contact-export-<job>`. Answers the workflow id. */
    contactExport: (job: JobStart) => startJob(contactExportWorkflow, workflowIds.contactExport(job.jobId), 'contact-export', `Contact export, job ${job.jobId}`, job),

    /** `contact-import-<job>`, summarised with the file's name and row count. Answers the workflow id. */
    async contactImport(job: { workspaceId: string; jobId: string; fileName: string; rows: number }): Promise<string> {
      const workflowId = workflowIds.contactImport(job.jobId);
      await client.workflow.start(contactImportWorkflow, {
        taskQueue,
        workflowId,
        args: [{ workspaceId: job.workspaceId, jobId: job.jobId }],
        typedSearchAttributes: attributes(job.workspaceId, 'contact-import'),
        staticSummary: `Contact import of "${job.fileName}" (${job.rows} rows), job ${job.jobId}`,
      });
      return workflowId;
    },

    /** `campaign-log-export-<job>` or `message-export-<job>`; `summary` names what is exported. Answers the workflow id. */
    async logExport(job: { workspaceId: string; jobId: string; kind: 'campaign-log' | 'message'; summary: string }): Promise<string> {
      const workflowId = workflowIds.logExport(job.kind, job.jobId);
      await client.workflow.start(logExportWorkflow, {
        taskQueue,
        workflowId,
        args: [{ workspaceId: job.workspaceId, jobId: job.jobId }],
        typedSearchAttributes: attributes(job.workspaceId, `${job.kind}-export`),
        staticSummary: `${job.summary}, job ${job.jobId}`,
      });
      return workflowId;
    },

    /** `webhook-log-export-<job>`. Answers the workflow id. */
    webhookLogExport: (job: JobStart) => startJob(webhookLogExportWorkflow, workflowIds.webhookLogExport(job.jobId), 'webhook-log-export', `Webhook log export, job ${job.jobId}`, job),

    /**
     * `webhook-delivery-<id>`: the retries of one delivery. A replay runs the same id again once the previous run
     * has closed; a run of the same id that is still open is replaced: it is one that ended the delivery's
     * previous round and is closing (a replay came quickly), or one started by a sweep that then rolled back;
     * either way the new run carries on from the row.
     */
    async webhookDelivery(input: WebhookDeliveryInput): Promise<void> {
      await client.workflow.start(webhookDeliveryWorkflow, {
        taskQueue,
        workflowId: workflowIds.webhookDelivery(input.deliveryId),
        workflowIdReusePolicy: 'ALLOW_DUPLICATE',
        workflowIdConflictPolicy: 'TERMINATE_EXISTING',
        args: [input],
        typedSearchAttributes: attributes(input.workspaceId, 'webhook-delivery'),
        staticSummary: `Webhook delivery ${input.deliveryId}: retries with back-off`,
      });
    },

    /** `webhook-dispatcher-<task queue>`: one per task queue, whatever the number of workers; the running one is kept. */
    async webhookDispatcher(input: WebhookDispatcherInput): Promise<void> {
      await client.workflow.start(webhookDispatcherWorkflow, {
        taskQueue,
        workflowId: workflowIds.webhookDispatcher(taskQueue),
        workflowIdConflictPolicy: 'USE_EXISTING',
        args: [input],
        typedSearchAttributes: attributes(undefined, 'webhook-dispatcher'),
        staticSummary: 'Webhook dispatcher: first attempts of new deliveries, in bulk',
      });
    },
  };
}

/** The starters as the services and the worker receive them. */
export type WorkflowStarters = ReturnType<typeof workflowStarters>;
