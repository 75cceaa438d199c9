import { Client, Connection } from '@temporalio/client';

/** A Temporal client on the stack's dev server. */
export async function connectTemporal(address: string, namespace = 'default'): Promise<{ client: Client; close(): Promise<void> }> {
  const connection = await Connection.connect({ address });
  return { client: new Client({ connection, namespace }), close: () => connection.close() };
}

export interface ChainHistory {
  /** Runs of the continue-as-new chain, newest first. */
  runIds: string[];
  /** History events of each run (same order). */
  eventsPerRun: number[];
  /** Sum over every run. */
  events: number;
}

/**
 * History events of every run of a workflow id that continued as new: from the latest run back through each run's
 * WorkflowExecutionStarted.continuedExecutionRunId to the first (the server's own links, no visibility query).
 */
export async function chainHistory(client: Client, workflowId: string): Promise<ChainHistory> {
  const out: ChainHistory = { runIds: [], eventsPerRun: [], events: 0 };
  let runId: string | undefined = (await client.workflow.getHandle(workflowId).describe()).runId;
  while (runId) {
    const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
    const n = history.events?.length ?? 0;
    out.runIds.push(runId);
    out.eventsPerRun.push(n);
    out.events += n;
    runId = history.events?.[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId || undefined;
  }
  return out;
}
