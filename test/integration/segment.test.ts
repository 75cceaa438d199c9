import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import type { Knex } from 'knex';
import { countSegment, segmentQuery } from '../../db/repositories/segments';
import {
  groupFiltersToSegment,
  InvalidGroupFiltersError,
  matchesSegment,
  parseSegmentDate,
  type SegmentContact,
  type SegmentContext,
  type SegmentFilter,
} from '../../domain/segment';
import { createHarness, type Harness } from '../helpers/harness';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(() => h.close());

// ---------------------------------------------------------------------------------------------------------------------
// A world: rows for the tables a segment reads, held in memory too so matchesSegment can judge the same data.

interface LabelSeed {
  id: string;
  workspace_id: string;
  name: string;
  is_system: boolean;
}
interface ContactSeed extends SegmentContact {
  workspace_id: string;
}
interface GroupSeed {
  id: string;
  workspace_id: string;
  name: string;
  type: string;
  /** As stored: undefined is SQL NULL, anything else is written as JSON (so null is JSON null). */
  filters: unknown;
}
interface World {
  workspaces: string[];
  labels: LabelSeed[];
  contacts: ContactSeed[];
  contactLabels: { workspace_id: string; contact_id: string; label_id: string }[];
  groups: GroupSeed[];
  members: { workspace_id: string; group_id: string; contact_id: string }[];
}

const emptyWorld = (): World => ({ workspaces: [], labels: [], contacts: [], contactLabels: [], groups: [], members: [] });

/** One INSERT per table. Workspaces must exist already, or be listed in `newWorkspaces` to be created here. */
async function insertWorld(db: Knex, w: World, newWorkspaces: string[] = []): Promise<void> {
  if (newWorkspaces.length) await db('workspaces').insert(newWorkspaces.map((id) => ({ id, name: `ws ${id.slice(0, 8)}` })));
  if (w.labels.length) await db('labels').insert(w.labels);
  if (w.contacts.length) {
    await db('contacts').insert(w.contacts.map((c) => ({ ...c, custom_fields: JSON.stringify(c.custom_fields) })));
  }
  if (w.contactLabels.length) await db('contact_labels').insert(w.contactLabels);
  if (w.groups.length) {
    await db('contact_groups').insert(w.groups.map((g) => ({ ...g, filters: g.filters === undefined ? null : JSON.stringify(g.filters) })));
  }
  if (w.members.length) await db('contact_group_members').insert(w.members);
}

/** The in-memory verdict: contacts of `ws` that matchesSegment selects, as sorted ids. */
function expectedIds(w: World, ws: string, filter: SegmentFilter): string[] {
  const labels = new Map(w.labels.filter((l) => l.workspace_id === ws).map((l) => [l.id, { name: l.name, is_system: l.is_system }]));
  // Filters as the application reads them back (JSON round trip), absent filters as null.
  const groups = new Map(
    w.groups.filter((g) => g.workspace_id === ws).map((g) => [g.id, { type: g.type, filters: g.filters === undefined ? null : JSON.parse(JSON.stringify(g.filters)) }]),
  );
  return w.contacts
    .filter((c) => c.workspace_id === ws)
    .filter((c) => {
      const ctx: SegmentContext = {
        labels,
        groups,
        labelIds: new Set(w.contactLabels.filter((cl) => cl.workspace_id === ws && cl.contact_id === c.id).map((cl) => cl.label_id)),
        staticGroupIds: new Set(w.members.filter((m) => m.workspace_id === ws && m.contact_id === c.id).map((m) => m.group_id)),
      };
      return matchesSegment({ ...c, custom_fields: JSON.parse(JSON.stringify(c.custom_fields)) }, ctx, filter);
    })
    .map((c) => c.id)
    .sort();
}

async function sqlIds(db: Knex, ws: string, filter: SegmentFilter): Promise<string[]> {
  const rows: { id: string }[] = await segmentQuery(db, ws, filter).select('c.id');
  return rows.map((r) => r.id).sort();
}

// ---------------------------------------------------------------------------------------------------------------------
// Examples: one hand-made world, each filter field against named contacts.

describe('segment filter, by example', () => {
  const w = emptyWorld();
  let A: string;
  let B: string;
  const label: Record<string, string> = {};
  const group: Record<string, string> = {};
  const contact: Record<string, string> = {};
  const nameOf = new Map<string, string>();

  const addContact = (key: string, ws: string, fields: Partial<ContactSeed> & { created_at: Date }) => {
    const c: ContactSeed = {
      id: randomUUID(),
      workspace_id: ws,
      name: key,
      phone: null,
      whatsapp_phone: null,
      email: null,
      custom_fields: {},
      blocked: false,
      opted_out_at: null,
      ...fields,
    };
    w.contacts.push(c);
    contact[key] = c.id;
    nameOf.set(c.id, key);
  };
  const addLabel = (key: string, ws: string, name: string) => {
    const l = { id: randomUUID(), workspace_id: ws, name, is_system: false };
    w.labels.push(l);
    label[key] = l.id;
  };
  const tag = (contactKey: string, ...labelKeys: string[]) => {
    const c = w.contacts.find((x) => x.id === contact[contactKey])!;
    for (const k of labelKeys) w.contactLabels.push({ workspace_id: c.workspace_id, contact_id: c.id, label_id: label[k] });
  };
  const addGroup = (key: string, ws: string, type: string, filters?: unknown) => {
    const g = { id: randomUUID(), workspace_id: ws, name: key, type, filters };
    w.groups.push(g);
    group[key] = g.id;
  };

  /** Both implementations select exactly `names` of workspace A, and the count agrees. */
  async function expectSegment(filter: SegmentFilter, names: string[], ws = () => A) {
    const got = (await sqlIds(h.db, ws(), filter)).map((id) => nameOf.get(id) ?? id).sort();
    expect(got).toEqual([...names].sort());
    expect(expectedIds(w, ws(), filter).map((id) => nameOf.get(id)).sort()).toEqual([...names].sort());
    expect(await countSegment(h.db, ws(), filter)).toBe(names.length);
  }

  const ALL = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank'];

  beforeAll(async () => {
    A = (await h.workspace('Segment A')).id;
    B = (await h.workspace('Segment B')).id;
    // Provisioning made the system DNC labels; the world needs to know them.
    const system: LabelSeed[] = await h.db('labels').whereIn('workspace_id', [A, B]).andWhere({ is_system: true }).select('id', 'workspace_id', 'name', 'is_system');
    expect(system.map((l) => l.name).sort()).toEqual(['DNC', 'DNC']);
    label.dncA = system.find((l) => l.workspace_id === A)!.id;
    label.dncB = system.find((l) => l.workspace_id === B)!.id;

    addLabel('vip', A, 'vip');
    addLabel('lead', A, 'Lead');
    addLabel('cold', A, 'cold');
    addLabel('vipB', B, 'VIP');

    addContact('alice', A, {
      name: 'Alice Smith', phone: '+15550100', whatsapp_phone: '+15550100', email: 'alice@example.com',
      custom_fields: { city: 'Paris', tier: 'gold', age: 30 }, created_at: new Date('2026-01-15T10:00:00Z'),
    });
    addContact('bob', A, {
      name: 'Bob 100% Real', phone: '+15550101', custom_fields: { city: 'paris', age: '30' }, created_at: new Date('2026-01-31T23:59:59.999Z'),
    });
    addContact('carol', A, {
      name: 'Carol_Jones', email: 'carol@EXAMPLE.org', whatsapp_phone: '+447700900123', custom_fields: { city: 'London', vip: true },
      blocked: true, created_at: new Date('2026-02-01T00:00:00Z'),
    });
    addContact('dave', A, { name: 'Dave', phone: '+15550103', custom_fields: { tier: 'silver', vip: 'true' }, created_at: new Date('2026-01-31T00:00:00Z') });
    addContact('erin', A, { name: 'Erin', phone: '+15550104', opted_out_at: new Date('2026-01-20T00:00:00Z'), created_at: new Date('2025-12-31T23:59:59.999Z') });
    addContact('frank', A, { name: 'Frank A_B', email: 'frank@x.io', whatsapp_phone: '', custom_fields: { city: null, tier: { x: 1 } }, created_at: new Date('2026-01-20T00:00:00Z') });
    // Same name and phone in another workspace: must never show up in A.
    addContact('aliceB', B, { name: 'Alice Smith', phone: '+15550100', email: 'alice@example.com', custom_fields: { city: 'Paris' }, created_at: new Date('2026-01-15T10:00:00Z') });

    tag('alice', 'vip', 'lead');
    tag('bob', 'vip');
    tag('carol', 'lead', 'cold');
    tag('dave', 'dncA');
    tag('erin', 'vip');
    tag('aliceB', 'vipB');

    addGroup('staticA', A, 'static');
    addGroup('dynA', A, 'dynamic', { tags: ['VIP'], custom_fields: { age: 30 }, created_from: '2026-01-01', created_to: '2026-01-31' });
    addGroup('dynEverything', A, 'dynamic', undefined);
    addGroup('dynUnreadable', A, 'dynamic', { tags: 'vip' });
    addGroup('staticB', B, 'static');
    w.members.push(
      { workspace_id: A, group_id: group.staticA, contact_id: contact.alice },
      { workspace_id: A, group_id: group.staticA, contact_id: contact.carol },
      { workspace_id: B, group_id: group.staticB, contact_id: contact.aliceB },
    );
    await insertWorld(h.db, w);
    w.labels.push(...system); // already in the database, but the in-memory judge must know them
  });

  it('selects every contact of the workspace, and only those, without conditions', async () => {
    await expectSegment({}, ALL);
    await expectSegment({ anyLabelIds: [], allLabelNames: [], customFields: {}, keyword: '' }, ALL);
    await expectSegment({}, ['aliceB'], () => B);
  });

  it('matches keyword case-insensitively in name, phone and email, with % and _ taken literally', async () => {
    await expectSegment({ keyword: 'ALICE' }, ['alice']);
    await expectSegment({ keyword: 'example' }, ['alice', 'carol']);
    await expectSegment({ keyword: '0100' }, ['alice']);
    await expectSegment({ keyword: '555010' }, ['alice', 'bob', 'dave', 'erin']);
    await expectSegment({ keyword: '%' }, ['bob']);
    await expectSegment({ keyword: '_' }, ['carol', 'frank']);
    await expectSegment({ keyword: 'a_b' }, ['frank']);
  });

  it('filters on the WhatsApp phone', async () => {
    await expectSegment({ whatsappPhone: '7700' }, ['carol']);
    await expectSegment({ whatsappPhone: '+1555' }, ['alice']);
    await expectSegment({ whatsappPhoneOnly: true }, ['alice', 'carol']);
    await expectSegment({ whatsappPhoneOnly: false }, ALL);
  });

  it('filters on label ids: any, all, none of, not all of', async () => {
    await expectSegment({ anyLabelIds: [label.vip] }, ['alice', 'bob', 'erin']);
    await expectSegment({ anyLabelIds: [label.vip, label.cold] }, ['alice', 'bob', 'carol', 'erin']);
    await expectSegment({ anyLabelIds: [label.vip.toUpperCase()] }, ['alice', 'bob', 'erin']);
    await expectSegment({ allLabelIds: [label.vip, label.lead] }, ['alice']);
    await expectSegment({ excludeAnyLabelIds: [label.vip] }, ['carol', 'dave', 'frank']);
    await expectSegment({ excludeAllLabelIds: [label.vip, label.lead] }, ['bob', 'carol', 'dave', 'erin', 'frank']);
    await expectSegment({ anyLabelIds: [label.lead], allLabelIds: [label.cold] }, ['carol']);
  });

  it('filters on label names, case-insensitively', async () => {
    await expectSegment({ allLabelNames: ['VIP', 'lead'] }, ['alice']);
    await expectSegment({ allLabelNames: ['vip'] }, ['alice', 'bob', 'erin']);
    await expectSegment({ allLabelNames: ['vip', 'no such label'] }, []);
    await expectSegment({ excludeLabelNames: ['VIP', 'dnc'] }, ['carol', 'frank']);
  });

  it('never lets another workspace’s labels, groups or contacts in', async () => {
    await expectSegment({ anyLabelIds: [label.vipB] }, []);
    await expectSegment({ anyLabelIds: [label.vipB, label.cold] }, ['carol']);
    await expectSegment({ allLabelIds: [label.vip, label.vipB] }, []);
    await expectSegment({ excludeAnyLabelIds: [label.vipB] }, ALL);
    await expectSegment({ groupId: group.staticB }, []);
    await expectSegment({ additionContactIds: [contact.aliceB], anyLabelIds: [label.cold] }, ['carol']);
    await expectSegment({ keyword: 'alice', customFields: { city: 'Paris' } }, ['alice']);
    // B's DNC label is not A's: a DNC-named label of B on an A contact (a row that should never exist) changes nothing.
    await h.db('contact_labels').insert({ workspace_id: A, contact_id: contact.frank, label_id: label.dncB });
    try {
      expect(await countSegment(h.db, A, { reachableOnly: true })).toBe(3);
      expect(await countSegment(h.db, A, { anyLabelIds: [label.dncB] })).toBe(0);
    } finally {
      await h.db('contact_labels').where({ contact_id: contact.frank, label_id: label.dncB }).delete();
    }
    // The same filter in B sees B's contact only.
    await expectSegment({ keyword: 'alice', allLabelNames: ['vip'] }, ['aliceB'], () => B);
  });

  it('treats unknown and malformed ids as ids of nothing', async () => {
    await expectSegment({ groupId: randomUUID() }, []);
    await expectSegment({ groupId: 'not-a-uuid' }, []);
    await expectSegment({ anyLabelIds: ['not-a-uuid'] }, []);
    await expectSegment({ allLabelIds: [label.vip, 'not-a-uuid'] }, []);
    await expectSegment({ excludeAllLabelIds: [label.vip, 'not-a-uuid'] }, ALL);
    await expectSegment({ excludeContactIds: ['nope', contact.bob] }, ['alice', 'carol', 'dave', 'erin', 'frank']);
  });

  it('compares custom fields as text, exactly', async () => {
    await expectSegment({ customFields: { city: 'Paris' } }, ['alice']);
    await expectSegment({ customFields: { age: 30 } }, ['alice', 'bob']);
    await expectSegment({ customFields: { age: '30' } }, ['alice', 'bob']);
    await expectSegment({ customFields: { vip: true } }, ['carol', 'dave']);
    await expectSegment({ customFields: { city: 'Paris', tier: 'gold' } }, ['alice']);
    await expectSegment({ customFields: { city: 'paris', tier: 'gold' } }, []);
    await expectSegment({ customFields: { tier: '{"x": 1}' } }, []);
    await expectSegment({ customFields: { constructor: 'Object' } }, []);
  });

  it('selects created_at in [createdFrom, createdTo)', async () => {
    await expectSegment({ createdFrom: new Date('2026-01-31T00:00:00Z'), createdTo: new Date('2026-02-01T00:00:00Z') }, ['bob', 'dave']);
    await expectSegment({ createdFrom: new Date('2026-02-01T00:00:00Z') }, ['carol']);
    await expectSegment({ createdTo: new Date('2026-01-01T00:00:00Z') }, ['erin']);
    await expectSegment({ createdTo: new Date(Number.NaN) }, []);
  });

  it('filters on blocked and opted-out', async () => {
    await expectSegment({ isBlocked: true }, ['carol']);
    await expectSegment({ isBlocked: false }, ['alice', 'bob', 'dave', 'erin', 'frank']);
    await expectSegment({ optedOut: true }, ['erin']);
    await expectSegment({ optedOut: false, isBlocked: false }, ['alice', 'bob', 'dave', 'frank']);
  });

  it('adds contacts past the filters, but exclusions and reachability win over additions', async () => {
    await expectSegment({ anyLabelIds: [label.cold], additionContactIds: [contact.alice, contact.dave] }, ['alice', 'carol', 'dave']);
    await expectSegment({ anyLabelIds: [label.cold], additionContactIds: [contact.alice], excludeContactIds: [contact.alice] }, ['carol']);
    await expectSegment({ excludeLabelNames: ['vip'], additionContactIds: [contact.alice] }, ['alice', 'carol', 'dave', 'frank']);
    await expectSegment({ additionContactIds: [contact.alice] }, ALL);
    await expectSegment({ excludeContactIds: [contact.alice, contact.bob] }, ['carol', 'dave', 'erin', 'frank']);
    await expectSegment({ keyword: 'nobody', additionContactIds: [contact.carol, contact.bob], reachableOnly: true }, ['bob']);
  });

  it('leaves out blocked, opted-out and DNC-labelled contacts in reachable mode', async () => {
    await expectSegment({ reachableOnly: true }, ['alice', 'bob', 'frank']);
    await expectSegment({ reachableOnly: true, anyLabelIds: [label.vip] }, ['alice', 'bob']);
    await expectSegment({ reachableOnly: false }, ALL);
  });

  it('selects a static group’s members', async () => {
    await expectSegment({ groupId: group.staticA }, ['alice', 'carol']);
    await expectSegment({ groupId: group.staticA, reachableOnly: true }, ['alice']);
  });

  it('applies a dynamic group’s tags, custom fields and dates, created_to including its whole day', async () => {
    await expectSegment({ groupId: group.dynA }, ['alice', 'bob']);
    await expectSegment({ groupId: group.dynA, keyword: 'bob' }, ['bob']);
    await expectSegment({ groupId: group.dynEverything }, ALL);
    await expectSegment({ groupId: group.dynUnreadable }, []);
    // Moving created_to a day earlier drops Bob (created 2026-01-31T23:59:59.999Z) and keeps Alice.
    await h.db('contact_groups').where({ id: group.dynA }).update({ filters: JSON.stringify({ tags: ['vip'], custom_fields: { age: 30 }, created_to: '2026-01-30' }) });
    try {
      expect(await sqlIds(h.db, A, { groupId: group.dynA })).toEqual([contact.alice]);
    } finally {
      await h.db('contact_groups').where({ id: group.dynA }).update({ filters: JSON.stringify(w.groups.find((g) => g.id === group.dynA)!.filters) });
    }
  });

  it('composes: select, order, limit, count and INSERT … SELECT, each as one statement', async () => {
    const queries: string[] = [];
    const onQuery = (q: { sql: string }) => queries.push(q.sql);
    h.db.on('query', onQuery);
    try {
      const rows: { name: string }[] = await segmentQuery(h.db, A, { groupId: group.dynA, reachableOnly: true, excludeLabelNames: ['cold'] })
        .select('c.name')
        .orderBy('c.name', 'desc')
        .limit(1);
      expect(rows).toEqual([{ name: 'Bob 100% Real' }]);
      expect(queries).toHaveLength(1);
    } finally {
      h.db.off('query', onQuery);
    }

    const [materialized] = await h.db('contact_groups').insert({ workspace_id: A, name: 'snapshot', type: 'static' }).returning('id');
    await h.db
      .into(h.db.raw('contact_group_members (workspace_id, group_id, contact_id)'))
      .insert(segmentQuery(h.db, A, { anyLabelIds: [label.vip], reachableOnly: true }).select(h.db.raw('?::uuid', [A]), h.db.raw('?::uuid', [materialized.id]), 'c.id'));
    expect((await sqlIds(h.db, A, { groupId: materialized.id })).map((id) => nameOf.get(id)).sort()).toEqual(['alice', 'bob']);
  });
});

// ---------------------------------------------------------------------------------------------------------------------
// The pure parts.

describe('date bounds and dynamic group filters', () => {
  it('reads dates as whole UTC days and timestamps as instants', () => {
    expect(parseSegmentDate('2026-01-31', 'from')?.toISOString()).toBe('2026-01-31T00:00:00.000Z');
    expect(parseSegmentDate('2026-01-31', 'to')?.toISOString()).toBe('2026-02-01T00:00:00.000Z');
    expect(parseSegmentDate('2024-02-29', 'to')?.toISOString()).toBe('2024-03-01T00:00:00.000Z');
    expect(parseSegmentDate('2026-01-31T10:00:00Z', 'to')?.toISOString()).toBe('2026-01-31T10:00:00.000Z');
    expect(parseSegmentDate('2026-01-31T10:00+02:30', 'from')?.toISOString()).toBe('2026-01-31T07:30:00.000Z');
    expect(parseSegmentDate('2026-01-31 00:00:00.1239-01:00', 'from')?.toISOString()).toBe('2026-01-31T01:00:00.123Z');
    expect(parseSegmentDate('0099-03-01', 'from')?.toISOString()).toBe('0099-03-01T00:00:00.000Z');
    for (const bad of ['2026-02-29', '2026-02-30', '2026-13-01', '0000-01-01', '2026-1-1', '2026-01-31T10:00', '2026-01-31T24:00Z', ' 2026-01-31', 'yesterday', '']) {
      expect([bad, parseSegmentDate(bad, 'from')]).toEqual([bad, null]);
    }
  });

  it('maps the Zagely shape and refuses what it cannot read', () => {
    expect(groupFiltersToSegment({ tags: ['vip'], custom_fields: { age: 30 }, created_from: '2026-01-01', created_to: '2026-01-31', other: 1 })).toEqual({
      allLabelNames: ['vip'],
      customFields: { age: 30 },
      createdFrom: new Date('2026-01-01T00:00:00Z'),
      createdTo: new Date('2026-02-01T00:00:00Z'),
    });
    expect(groupFiltersToSegment(null)).toEqual({});
    expect(groupFiltersToSegment({ tags: [], custom_fields: {}, created_from: null })).toEqual({});
    for (const bad of [[], 'x', { tags: 'vip' }, { tags: [1] }, { custom_fields: [] }, { custom_fields: { a: null } }, { custom_fields: { a: {} } }, { created_to: '2026-02-30' }, { created_from: 20260101 }]) {
      expect(() => groupFiltersToSegment(bad)).toThrow(InvalidGroupFiltersError);
    }
  });
});

describe('dynamic group dates in SQL', () => {
  it('reads every date text to the instant parseSegmentDate reads, or to nothing', async () => {
    const values: unknown[] = [
      '2026-01-31', '2024-02-29', '2026-01-31T10:00Z', '2026-01-31T10:00:00Z', '2026-01-31T10:00:00.5Z', '2026-01-31T10:00:00.123Z',
      '2026-01-31T10:00:00.123999999Z', '2026-01-31t10:00:00z', '2026-01-31 10:00:00+05:30', '2026-01-31T10:00:00-09:45',
      '2026-01-31T23:30:00-23:59', '2026-12-31T23:59:59.999+00:00', '1999-12-31T23:59:59.999+14:00',
      '2026-02-29', '2026-04-31', '2026-00-10', '2026-01-32', '2026-01-31T10:00', '2026-01-31T10Z', '2026-01-31T10:60Z', '2026-01-31T10:00:60Z',
      '2026-01-31T10:00:00.Z', '2026-01-31T10:00:00+24:00', '2026-01-31T10:00:00+0530', '２０２６-01-31', '2026-01-31Z', ' 2026-01-31',
      '2026-01-31\n', '0000-01-01', '', 20260131, true, ['2026-01-31'],
    ];
    const ws = randomUUID();
    const w = emptyWorld();
    const cases: { groupId: string; tag: string; expected: number[] }[] = [];
    values.forEach((value, i) => {
      for (const bound of ['from', 'to'] as const) {
        const parsed = typeof value === 'string' ? parseSegmentDate(value, bound) : null;
        const at = (parsed ?? new Date('2026-01-31T10:00:00Z')).getTime();
        const tag = `<${i}${bound}`;
        for (const delta of [-1, 0, 1]) {
          w.contacts.push({
            id: randomUUID(), workspace_id: ws, name: `${tag}${delta}>`, phone: null, whatsapp_phone: null, email: null, custom_fields: {},
            blocked: false, opted_out_at: null, created_at: new Date(at + delta),
          });
        }
        const groupId = randomUUID();
        w.groups.push({ id: groupId, workspace_id: ws, name: tag, type: 'dynamic', filters: { [`created_${bound}`]: value } });
        cases.push({ groupId, tag, expected: parsed === null ? [] : bound === 'from' ? [0, 1] : [-1] });
      }
    });
    await insertWorld(h.db, w, [ws]);
    try {
      for (const { groupId, tag, expected } of cases) {
        const rows: { name: string }[] = await segmentQuery(h.db, ws, { groupId, keyword: tag }).select('c.name');
        const deltas = rows.map((r) => Number(r.name.slice(tag.length, -1))).sort((a, b) => a - b);
        expect({ tag, value: w.groups.find((g) => g.id === groupId)!.filters, deltas }).toEqual({ tag, value: w.groups.find((g) => g.id === groupId)!.filters, deltas: expected });
      }
      expect(cases.filter((c) => c.expected.length).length).toBe(26); // 13 valid texts, both bounds
    } finally {
      await h.db('workspaces').where({ id: ws }).delete();
    }
  });
});

// ---------------------------------------------------------------------------------------------------------------------
// Property: on random small worlds and random filters, the SQL selects exactly what matchesSegment selects.

const CREATED = [
  '2025-12-31T23:59:59.999Z', '2026-01-01T00:00:00.000Z', '2026-01-30T22:59:59.999Z', '2026-01-30T23:00:00.000Z', '2026-01-31T00:00:00.000Z',
  '2026-01-31T00:59:59.999Z', '2026-01-31T12:00:00.000Z', '2026-01-31T17:30:00.000Z', '2026-01-31T17:30:00.122Z', '2026-01-31T17:30:00.123Z',
  '2026-01-31T23:59:59.999Z', '2026-02-01T00:00:00.000Z', '2026-03-01T00:00:00.000Z',
];
const dateTextArb = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.constantFrom(
      '2026-01-31', '2026-02-01', '2026-01-01', '2026-01-30', '2026-01-31T00:00:00Z', '2026-01-31T12:00:00.000Z', '2026-01-31T01:00:00+01:00',
      '2026-01-31 12:00Z', '2026-01-31T17:30:00.123456Z', '2026-01-31T17:30:00.1239Z', '2026-01-30T19:00:00-05:00', '2026-01-31t00:59:59.999z',
      '2024-02-29', '2026-01-31T17:30:00.123Z', '2026-01-31T17:30:00.1Z',
    ),
  },
  { weight: 1, arbitrary: fc.constantFrom('2026-02-29', '2026-02-30', '2026-13-01', '0000-01-01', '2026-1-1', 'yesterday', '2026-01-31T12:00', '2026-01-31T24:00Z', '') },
);
const LABEL_NAMES = ['vip', 'VIP2', 'Lead', 'lead_x', 'a%b', 'x\\y', 'cold', 'Promo', 'a_b'];
const FILTER_NAMES = ['vip', 'VIP', 'vIp2', 'lead', 'LEAD_X', 'a%b', 'A%B', 'x\\y', 'a_b', 'axb', 'DNC', 'dnc', 'nope', ''];
const CF_KEYS = ['city', 'tier', 'age', 'vip', 'constructor'];
const CF_VALUES: unknown[] = ['Paris', 'paris', '1', 1, 1.5, '1.5', true, 'true', false, 0, '', null, { a: 1 }, [1]];
const CHARS = ['a', 'A', 'b', 'B', 'e', '%', '_', '\\', ' ', '1', '5', '+', '@', '.'];
const WA_PHONES = ['+15550100', '+447700900123', '+15550100', '', '+1555'];
const EMAILS = ['a@x.io', 'A_b@X.io', 'z%z@y.org', 'bob@example.com'];

const wsIndex = fc.constantFrom(0, 0, 1); // most rows in the workspace under test
const text = (maxLength: number) => fc.string({ unit: fc.constantFrom(...CHARS), maxLength });
const customFieldsArb = fc.oneof(
  { weight: 8, arbitrary: fc.dictionary(fc.constantFrom(...CF_KEYS), fc.constantFrom(...CF_VALUES), { maxKeys: 3 }) },
  { weight: 1, arbitrary: fc.constantFrom<unknown>([1, 2], 'str', 7) },
);

const contactArb = fc.record({
  ws: wsIndex,
  name: text(6),
  hasPhone: fc.boolean(),
  whatsapp: fc.option(fc.constantFrom(...WA_PHONES)),
  email: fc.option(fc.constantFrom(...EMAILS)),
  customFields: customFieldsArb,
  blocked: fc.boolean(),
  optedOut: fc.boolean(),
  created: fc.constantFrom(...CREATED),
});

const groupFiltersArb = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record(
      {
        tags: fc.array(fc.constantFrom(...FILTER_NAMES), { maxLength: 2 }),
        custom_fields: fc.dictionary(fc.constantFrom(...CF_KEYS), fc.constantFrom('Paris', '1', 1, true, 'true', 1.5, '[1]'), { maxKeys: 1 }),
        created_from: dateTextArb,
        created_to: dateTextArb,
      },
      { requiredKeys: [] },
    ),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom<unknown>(undefined, null, [], 'x', { tags: 'vip' }, { tags: [1] }, { custom_fields: { a: null } }, { custom_fields: [] }, { created_from: 5 }, { tags: null, created_to: null }),
  },
);

const worldArb = fc.record({
  labels: fc.tuple(
    fc.uniqueArray(fc.constantFrom(...LABEL_NAMES), { maxLength: 6, selector: (n) => n.toLowerCase() }),
    fc.uniqueArray(fc.constantFrom(...LABEL_NAMES), { maxLength: 3, selector: (n) => n.toLowerCase() }),
  ),
  contacts: fc.array(contactArb, { minLength: 2, maxLength: 30, size: 'medium' }),
  /** [contact index, label index, kind]: rows with another workspace's label or workspace id should never exist, and must not count. */
  contactLabels: fc.array(fc.tuple(fc.nat(), fc.nat(), fc.constantFrom('ok', 'ok', 'ok', 'ok', 'ok', 'foreignLabel', 'foreignRow')), { maxLength: 60, size: 'medium' }),
  groups: fc.array(fc.record({ ws: wsIndex, type: fc.constantFrom('static', 'static', 'dynamic', 'dynamic', 'dynamic', 'other'), filters: groupFiltersArb }), {
    minLength: 1,
    maxLength: 5,
  }),
  /** [group index, contact index, kind]: a contact of any workspace, or a row with the other workspace id (neither should exist). */
  members: fc.array(fc.tuple(fc.nat(), fc.nat(), fc.constantFrom('ok', 'ok', 'ok', 'ok', 'anyContact', 'foreignRow')), { maxLength: 30, size: 'medium' }),
});
type WorldSpec = typeof worldArb extends fc.Arbitrary<infer T> ? T : never;

/** A reference to a row: of the workspace under test, of the other one, a random UUID or junk. */
const refArb = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('own' as const), i: fc.nat(), upper: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('other' as const), i: fc.nat() }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'random' as const }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('junk' as const), text: fc.constantFrom('not-a-uuid', '', '123') }) },
);
type Ref = typeof refArb extends fc.Arbitrary<infer T> ? T : never;
const refs = (maxLength: number) => fc.array(refArb, { minLength: 1, maxLength });

const filterFields = {
    keyword: fc.oneof(text(3), fc.record({ i: fc.nat(), field: fc.constantFrom('name', 'phone', 'email'), start: fc.nat(8), length: fc.integer({ min: 1, max: 4 }), upper: fc.boolean() })),
    whatsappPhone: fc.constantFrom('+1555', '0100', '7700', '+', '', '+447700900123'),
    whatsappPhoneOnly: fc.boolean(),
    anyLabelIds: refs(3),
    allLabelIds: refs(2),
    excludeAnyLabelIds: refs(2),
    excludeAllLabelIds: refs(2),
    allLabelNames: fc.array(fc.constantFrom(...FILTER_NAMES), { minLength: 1, maxLength: 2 }),
    excludeLabelNames: fc.array(fc.constantFrom(...FILTER_NAMES), { minLength: 1, maxLength: 2 }),
    groupId: refArb,
    customFields: fc.dictionary(fc.constantFrom(...CF_KEYS), fc.constantFrom<string | number | boolean>('Paris', 'paris', '1', 1, 1.5, true, 'true', false, Number.NaN, '[1]', '{"a": 1}'), { maxKeys: 2 }),
    createdFrom: fc.constantFrom(...CREATED, '2026-01-31T06:00:00.000Z', 'invalid'),
    createdTo: fc.constantFrom(...CREATED, '2026-01-31T06:00:00.000Z'),
    isBlocked: fc.boolean(),
    optedOut: fc.boolean(),
    excludeContactIds: refs(3),
    additionContactIds: refs(3),
    reachableOnly: fc.boolean(),
};
type FilterSpec = Partial<{ [K in keyof typeof filterFields]: (typeof filterFields)[K] extends fc.Arbitrary<infer T> ? T : never }>;
/** A few fields at a time (each AND-ed field thins the selection out; all of them at once would mostly select nobody). */
const filterArb: fc.Arbitrary<FilterSpec> = fc
  .tuple(fc.record(filterFields), fc.subarray(Object.keys(filterFields) as (keyof typeof filterFields)[], { maxLength: 3 }))
  .map(([all, keys]) => Object.fromEntries(keys.map((k) => [k, all[k]])) as FilterSpec);

function buildWorld(spec: WorldSpec): World {
  const w = emptyWorld();
  w.workspaces = [randomUUID(), randomUUID()];
  const labelsOf: LabelSeed[][] = w.workspaces.map((ws, i) => [
    { id: randomUUID(), workspace_id: ws, name: 'DNC', is_system: true },
    ...spec.labels[i].map((name) => ({ id: randomUUID(), workspace_id: ws, name, is_system: false })),
  ]);
  w.labels = labelsOf.flat();
  w.contacts = spec.contacts.map((c, i) => ({
    id: randomUUID(),
    workspace_id: w.workspaces[c.ws],
    name: c.name,
    phone: c.hasPhone ? `+1555${String(100 + i).padStart(4, '0')}` : null,
    whatsapp_phone: c.whatsapp,
    email: c.email,
    custom_fields: c.customFields,
    blocked: c.blocked,
    opted_out_at: c.optedOut ? new Date('2026-01-15T00:00:00Z') : null,
    created_at: new Date(c.created),
  }));
  const pairs = new Set<string>();
  if (w.contacts.length) {
    for (const [ci, li, kind] of spec.contactLabels) {
      const c = w.contacts[ci % w.contacts.length];
      const own = w.workspaces.indexOf(c.workspace_id);
      const pool = labelsOf[kind === 'foreignLabel' ? 1 - own : own];
      const l = pool[li % pool.length];
      if (pairs.has(`${c.id}/${l.id}`)) continue;
      pairs.add(`${c.id}/${l.id}`);
      w.contactLabels.push({ workspace_id: w.workspaces[kind === 'foreignRow' ? 1 - own : own], contact_id: c.id, label_id: l.id });
    }
  }
  w.groups = spec.groups.map((g, i) => ({ id: randomUUID(), workspace_id: w.workspaces[g.ws], name: `g${i}`, type: g.type, filters: g.filters }));
  const members = new Set<string>();
  if (w.groups.length && w.contacts.length) {
    for (const [gi, ci, kind] of spec.members) {
      const g = w.groups[gi % w.groups.length];
      const candidates = kind === 'anyContact' ? w.contacts : w.contacts.filter((c) => c.workspace_id === g.workspace_id);
      const c = candidates[ci % Math.max(1, candidates.length)];
      if (!c || members.has(`${g.id}/${c.id}`)) continue;
      members.add(`${g.id}/${c.id}`);
      const rowWorkspace = kind === 'foreignRow' ? w.workspaces.find((ws) => ws !== g.workspace_id)! : g.workspace_id;
      w.members.push({ workspace_id: rowWorkspace, group_id: g.id, contact_id: c.id });
    }
  }
  return w;
}

/** The concrete filter a spec stands for, with references resolved against workspace `w.workspaces[0]`. */
function resolveFilter(w: World, spec: FilterSpec): SegmentFilter {
  const [own, other] = w.workspaces;
  const resolve = <T extends { id: string; workspace_id: string }>(rows: T[], ref: Ref): string => {
    if (ref.kind === 'random') return randomUUID();
    if (ref.kind === 'junk') return ref.text;
    const pool = rows.filter((r) => r.workspace_id === (ref.kind === 'own' ? own : other));
    if (!pool.length) return randomUUID();
    const id = pool[ref.i % pool.length].id;
    return ref.kind === 'own' && ref.upper ? id.toUpperCase() : id;
  };
  const { keyword, createdFrom, createdTo, anyLabelIds, allLabelIds, excludeAnyLabelIds, excludeAllLabelIds, groupId, excludeContactIds, additionContactIds, ...rest } = spec;
  const f: SegmentFilter = { ...rest };
  if (keyword !== undefined) {
    if (typeof keyword === 'string') f.keyword = keyword;
    else {
      const c = w.contacts[keyword.i % Math.max(1, w.contacts.length)];
      const source = (c?.[keyword.field] as string | null | undefined) ?? 'zz';
      const piece = source.slice(keyword.start % Math.max(1, source.length)).slice(0, keyword.length);
      f.keyword = keyword.upper ? piece.toUpperCase() : piece;
    }
  }
  if (createdFrom !== undefined) f.createdFrom = new Date(createdFrom === 'invalid' ? Number.NaN : createdFrom);
  if (createdTo !== undefined) f.createdTo = new Date(createdTo);
  const labelRefs = { anyLabelIds, allLabelIds, excludeAnyLabelIds, excludeAllLabelIds };
  for (const [key, list] of Object.entries(labelRefs) as [keyof typeof labelRefs, Ref[] | undefined][]) {
    if (list) f[key] = list.map((r) => resolve(w.labels, r));
  }
  if (groupId) f.groupId = resolve(w.groups, groupId);
  if (excludeContactIds) f.excludeContactIds = excludeContactIds.map((r) => resolve(w.contacts, r));
  if (additionContactIds) f.additionContactIds = additionContactIds.map((r) => resolve(w.contacts, r));
  return f;
}

describe('segment filter, SQL against the in-memory meaning', () => {
  it('selects exactly the contacts matchesSegment selects, in every workspace', async () => {
    let comparisons = 0;
    let informative = 0; // selected some but not all of a workspace's contacts
    let groupsSelecting = 0; // a group of the workspace, alone, selected some but not all
    await fc.assert(
      fc.asyncProperty(worldArb, fc.array(filterArb, { minLength: 6, maxLength: 6 }), async (worldSpec, filterSpecs) => {
        const w = buildWorld(worldSpec);
        await insertWorld(h.db, w, w.workspaces);
        try {
          // The random filters, then each group on its own (groups are the most intricate part of the SQL).
          const filters = [...filterSpecs.map((spec) => resolveFilter(w, spec)), ...w.groups.map((g) => ({ groupId: g.id }))];
          for (const filter of filters) {
            for (const ws of w.workspaces) {
              const expected = expectedIds(w, ws, filter);
              const actual = await sqlIds(h.db, ws, filter);
              expect({ ws, filter, ids: actual }).toEqual({ ws, filter, ids: expected });
              expect(await countSegment(h.db, ws, filter)).toBe(expected.length);
              comparisons++;
              const total = w.contacts.filter((c) => c.workspace_id === ws).length;
              const someNotAll = total >= 2 && expected.length > 0 && expected.length < total;
              if (someNotAll) informative++;
              if (someNotAll && Object.keys(filter).length === 1 && filter.groupId) groupsSelecting++;
            }
          }
        } finally {
          await h.db('workspaces').whereIn('id', w.workspaces).delete();
        }
      }),
      // Shrinking re-inserts worlds: bound it so a failure reports its counterexample instead of a jest timeout.
      { numRuns: 40, interruptAfterTimeLimit: 100_000, markInterruptAsFailure: true },
    );
    // The property is only as good as its filters: make sure they were neither always empty nor always everything.
    expect(comparisons).toBeGreaterThan(40 * 7 * 2);
    expect(informative / comparisons).toBeGreaterThan(0.1);
    expect(groupsSelecting).toBeGreaterThan(10);
  }, 120_000);
});
