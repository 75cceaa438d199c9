import { Connection } from '@temporalio/client';
import { defineSearchAttributeKey } from '@temporalio/common';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { encodeSearchAttributeIndexedValueType } from '@temporalio/common/lib/search-attributes';
import { msToTs } from '@temporalio/common/lib/time';
import { installWorkerRuntime } from '../../worker/main';
import { phonesRepo } from '../../db/repositories/phones';
import { registerSearchAttributes } from '../../temporal/search-attributes';
import { findTemporalCli } from '../../stack/temporal';
import { SEARCH_ATTRIBUTES } from '../../workflows/shared/search-attributes';
import { freePort } from '../helpers/global-setup';
import { createHarness, type Harness } from '../helpers/harness';

/*
 * A Temporal server that knows none of our search attributes (as docker compose's, a cluster's or a Cloud
 * namespace's starts): the worker registers them itself on start, and campaigns then start on it. The server is a
 * real `temporal server start-dev` of this file's own, started without `--search-attribute`.
 */
let server: TestWorkflowEnvironment;
let connection: Connection;
let h: Harness | undefined;

const OURS = Object.values(SEARCH_ATTRIBUTES).map((k) => k.name).sort();
const KEYWORD = encodeSearchAttributeIndexedValueType('KEYWORD');

async function customAttributes(namespace = 'default'): Promise<Record<string, unknown>> {
  return (await connection.operatorService.listSearchAttributes({ namespace })).customAttributes ?? {};
}

/** A namespace of its own, once the server answers for it (a new namespace takes a moment to be served). */
async function freshNamespace(name: string): Promise<string> {
  await connection.workflowService.registerNamespace({ namespace: name, workflowExecutionRetentionPeriod: msToTs('1 day') });
  const until = Date.now() + 60_000;
  for (;;) {
    try {
      await customAttributes(name);
      return name;
    } catch (err) {
      if (Date.now() > until) throw err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

beforeAll(async () => {
  // The worker's Runtime (core logs at WARN) before the server's default one.
  installWorkerRuntime();
  const exe = findTemporalCli(process.env.TEMPORAL_CLI_PATH);
  server = await TestWorkflowEnvironment.createLocal({
    server: {
      executable: exe ? { type: 'existing-path', path: exe } : { type: 'cached-download' },
      ip: '127.0.0.1',
      port: await freePort(),
      log: { format: 'pretty', level: 'error' },
    },
  });
  connection = await Connection.connect({ address: server.connection.options.address });
}, 120_000);

afterAll(async () => {
  await h?.close();
  await connection?.close();
  await server?.teardown();
});

describe('the worker registers the search attributes', () => {
  it('a server started with none gets them from the worker, and a campaign then starts', async () => {
    const before = await customAttributes();
    expect(OURS.filter((name) => name in before)).toEqual([]);

    h = await createHarness({ worker: true, env: { TEMPORAL_ADDRESS: server.connection.options.address, SIMULATOR_SENT_DELAY_MS: '50', SIMULATOR_DELIVERED_DELAY_MS: '100' } });
    const after = await customAttributes();
    expect(Object.fromEntries(OURS.map((name) => [name, after[name]]))).toEqual(Object.fromEntries(OURS.map((name) => [name, KEYWORD])));

    const ws = await h.workspace('Search attributes');
    await h.db('workspaces').where({ id: ws.id }).update({ quiet_hours_start: '00:00', quiet_hours_end: '00:00' });
    const phone = await phonesRepo(h.db).create({ workspace_id: ws.id, name: 'Sim', phone: '+14155550100', source: 'SIMULATOR' });
    const label = await h.http.post(`/api/v1/workspace/${ws.id}/labels`).set(ws.seax).send({ name: 'sa' });
    const [contact] = await h.db('contacts').insert({ workspace_id: ws.id, name: 'Ada', phone: '+12025550101' }).returning('*');
    await h.db('contact_labels').insert({ workspace_id: ws.id, contact_id: contact.id, label_id: label.body.id });

    const created = await h.http
      .post(`/api/v1/workspace/${ws.id}/campaigns`)
      .set(ws.seax)
      .send({ name: 'On a bare server', type: 'SMS', message: 'Hello', phone_ids: [phone.id], any_contact_label_ids: [label.body.id] });
    expect(created.status).toBe(200);
    const handle = h.temporal.workflow.getHandle(`campaign-${created.body.id}`);
    const described = await handle.describe();
    expect(described.typedSearchAttributes.get(SEARCH_ATTRIBUTES.campaignType)).toBe('sms');
    expect(described.typedSearchAttributes.get(SEARCH_ATTRIBUTES.workspaceId)).toBe(ws.id);
    const until = Date.now() + 30_000;
    let status = '';
    while (status !== 'finished' && Date.now() < until) {
      status = (await h.http.get(`/api/v1/workspace/${ws.id}/campaigns/${created.body.id}`).set(ws.seax)).body.status;
      if (status !== 'finished') await new Promise((r) => setTimeout(r, 200));
    }
    expect(status).toBe('finished');
  });

  it('is idempotent: a restarted worker adds nothing, and two racing workers both succeed', async () => {
    expect(await registerSearchAttributes(connection, 'default', Object.values(SEARCH_ATTRIBUTES))).toEqual([]);

    const namespace = await freshNamespace('racing-workers');
    const added = await Promise.all([1, 2].map(() => registerSearchAttributes(connection, namespace, Object.values(SEARCH_ATTRIBUTES))));
    expect(added.flat().length).toBeGreaterThan(0);
    expect(Object.keys(await customAttributes(namespace)).filter((n) => OURS.includes(n)).sort()).toEqual(OURS);
  });

  it('refuses, naming it, an attribute that exists with another type', async () => {
    const namespace = await freshNamespace('wrong-type');
    await registerSearchAttributes(connection, namespace, [defineSearchAttributeKey('WorkspaceId', 'TEXT')]);
    await expect(registerSearchAttributes(connection, namespace, Object.values(SEARCH_ATTRIBUTES))).rejects.toThrow(
      /search attribute WorkspaceId exists in namespace wrong-type with another type; Switchboard needs it as KEYWORD/,
    );
  });
});
