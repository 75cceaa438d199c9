import type { Knex } from 'knex';
import { customFieldText, DNC_LABEL_NAME, SEGMENT_DATE_PATTERN, segmentIds, type SegmentFilter } from '../../domain/segment';

/** A piece of SQL and its positional bindings. */
class Sql {
  constructor(
    readonly text: string,
    readonly values: Knex.Value[],
  ) {}
}

/** Tagged template: interpolated Sql pieces are inlined, anything else becomes a binding. */
function sql(strings: TemplateStringsArray, ...args: (Sql | Knex.Value)[]): Sql {
  let text = strings[0];
  const values: Knex.Value[] = [];
  args.forEach((arg, i) => {
    if (arg instanceof Sql) {
      text += arg.text;
      values.push(...arg.values);
    } else {
      text += '?';
      values.push(arg);
    }
    text += strings[i + 1];
  });
  return new Sql(text, values);
}

const verbatim = (text: string) => new Sql(text, []);
const FALSE = verbatim('false');
const and = (parts: Sql[]): Sql => new Sql(`(${parts.map((p) => `(${p.text})`).join(' AND ')})`, parts.flatMap((p) => p.values));

/** A label of the workspace on contact `c` for which `cond` (over `cl` and `l`) holds. */
const labelExists = (ws: string, cond: Sql) =>
  sql`EXISTS (SELECT 1 FROM contact_labels cl JOIN labels l ON l.id = cl.label_id AND l.workspace_id = ${ws}::uuid
    WHERE cl.workspace_id = ${ws}::uuid AND cl.contact_id = c.id AND ${cond})`;

const hasAnyLabelId = (ws: string, ids: string[]) => labelExists(ws, sql`cl.label_id = ANY(${ids}::uuid[])`);

/** One EXISTS per label (each can become a hashed semi-join), rather than a division evaluated contact by contact. */
function hasAllLabelIds(ws: string, list: readonly string[]): Sql {
  const { ids, someInvalid } = segmentIds(list);
  return someInvalid ? FALSE : and(ids.map((id) => labelExists(ws, sql`cl.label_id = ${id}::uuid`)));
}

const hasLabelsNamed = (ws: string, names: readonly string[]) =>
  and([...new Set(names)].map((name) => labelExists(ws, sql`lower(l.name) = lower(${name})`)));

/** For names known only when the statement runs (a dynamic group's tags): `names` is a text[] expression, null for none. */
const hasAllLabelNames = (ws: string, names: Sql) =>
  sql`NOT EXISTS (SELECT 1 FROM unnest(${names}) AS want(name) WHERE NOT ${labelExists(ws, verbatim('lower(l.name) = lower(want.name)'))})`;

/** `wanted` is a jsonb object expression of key → scalar; a null one sets no condition. */
const customFieldsEqual = (wanted: Sql) =>
  sql`NOT EXISTS (SELECT 1 FROM jsonb_each(${wanted}) AS want(key, value)
    WHERE (jsonb_typeof(want.value) IN ('string', 'number', 'boolean')
      AND jsonb_typeof(c.custom_fields -> want.key) IN ('string', 'number', 'boolean')
      AND c.custom_fields ->> want.key = want.value #>> '{}') IS NOT TRUE)`;

/**
 * SQL twin of parseSegmentDate for a jsonb value: the instant, or null when the value is not a string holding a valid
 * date. Pure arithmetic after the pattern matched, so no input can make the statement fail.
 */
function parseDate(json: Sql, bound: 'from' | 'to'): Sql {
  const wholeDay = verbatim(bound === 'to' ? "interval '1 day'" : "interval '0'");
  return sql`CASE WHEN jsonb_typeof(${json}) = 'string' THEN (
    SELECT CASE
      WHEN m IS NULL OR m[1]::int = 0 THEN NULL
      WHEN extract(month FROM make_date(m[1]::int, m[2]::int, 1) + (m[3]::int - 1)) <> m[2]::int THEN NULL
      ELSE ((make_date(m[1]::int, m[2]::int, 1) + (m[3]::int - 1))::timestamp
        + make_interval(hours => coalesce(m[4]::int, 0), mins => coalesce(m[5]::int, 0), secs => coalesce(m[6]::int, 0))
        + coalesce(rpad(left(m[7], 3), 3, '0')::int, 0) * interval '1 millisecond'
        - (CASE m[8] WHEN '-' THEN -1 ELSE 1 END) * make_interval(hours => coalesce(m[9]::int, 0), mins => coalesce(m[10]::int, 0))
        + CASE WHEN m[4] IS NULL THEN ${wholeDay} ELSE interval '0' END
      ) AT TIME ZONE 'UTC'
    END FROM regexp_match(${json} #>> '{}', ${SEGMENT_DATE_PATTERN}) AS r(m)) END`;
}

/** SQL twin of groupFiltersToSegment's validation over `g.filters`: true when the filters can be read. */
const GROUP_FILTERS_VALID = sql`CASE
  WHEN g.filters IS NULL OR jsonb_typeof(g.filters) = 'null' THEN true
  WHEN jsonb_typeof(g.filters) <> 'object' THEN false
  ELSE CASE coalesce(jsonb_typeof(g.filters -> 'tags'), 'null')
      WHEN 'null' THEN true
      WHEN 'array' THEN NOT EXISTS (SELECT 1 FROM jsonb_array_elements(g.filters -> 'tags') AS e(v) WHERE jsonb_typeof(e.v) <> 'string')
      ELSE false END
    AND CASE coalesce(jsonb_typeof(g.filters -> 'custom_fields'), 'null')
      WHEN 'null' THEN true
      WHEN 'object' THEN NOT EXISTS (SELECT 1 FROM jsonb_each(g.filters -> 'custom_fields') AS e(k, v)
        WHERE jsonb_typeof(e.v) NOT IN ('string', 'number', 'boolean'))
      ELSE false END
    AND (coalesce(jsonb_typeof(g.filters -> 'created_from'), 'null') = 'null' OR ${parseDate(verbatim("g.filters -> 'created_from'"), 'from')} IS NOT NULL)
    AND (coalesce(jsonb_typeof(g.filters -> 'created_to'), 'null') = 'null' OR ${parseDate(verbatim("g.filters -> 'created_to'"), 'to')} IS NOT NULL)
  END`;

/**
 * Membership of a group of the workspace. A dynamic group's stored filters are read inside the same statement (the
 * SQL twin of groupFiltersToSegment), each through an uncorrelated subquery that PostgreSQL evaluates once.
 */
function inGroup(ws: string, groupId: string): Sql {
  const [id] = segmentIds([groupId]).ids;
  if (id === undefined) return FALSE;
  const ofGroup = (expr: Sql) => sql`(SELECT ${expr} FROM contact_groups g WHERE g.id = ${id}::uuid AND g.workspace_id = ${ws}::uuid)`;
  const tags = verbatim("CASE WHEN jsonb_typeof(g.filters -> 'tags') = 'array' THEN ARRAY(SELECT jsonb_array_elements_text(g.filters -> 'tags')) END");
  const customFields = verbatim("CASE WHEN jsonb_typeof(g.filters -> 'custom_fields') = 'object' THEN g.filters -> 'custom_fields' END");
  const from = parseDate(verbatim("g.filters -> 'created_from'"), 'from');
  const to = parseDate(verbatim("g.filters -> 'created_to'"), 'to');
  // Inside CASE the planner keeps our order, and AND stops at the first false: cheap column tests go first.
  return sql`CASE ${ofGroup(verbatim('g.type'))}
    WHEN 'static' THEN EXISTS (SELECT 1 FROM contact_group_members m
      WHERE m.group_id = ${id}::uuid AND m.workspace_id = ${ws}::uuid AND m.contact_id = c.id)
    WHEN 'dynamic' THEN ${and([
      ofGroup(GROUP_FILTERS_VALID),
      sql`c.created_at >= coalesce(${ofGroup(from)}, '-infinity')`,
      sql`c.created_at < coalesce(${ofGroup(to)}, 'infinity')`,
      customFieldsEqual(ofGroup(customFields)),
      hasAllLabelNames(ws, ofGroup(tags)),
    ])}
    ELSE false END`;
}

const nonEmpty = <T>(list: readonly T[] | undefined): list is readonly T[] => list !== undefined && list.length > 0;
const likePattern = (text: string) => `%${text.replace(/[\\%_]/g, '\\$&')}%`;
const instant = (d: Date) => (Number.isNaN(d.getTime()) ? null : d);

/** Every condition except additions, exclusions and reachability, each as one SQL predicate over `c`. */
function positiveConditions(ws: string, f: SegmentFilter): Sql[] {
  // Cheapest first: when additions wrap these in an OR, PostgreSQL evaluates them in this order and stops early.
  const out: Sql[] = [];
  if (f.isBlocked !== undefined) out.push(sql`c.blocked = ${f.isBlocked}`);
  if (f.optedOut !== undefined) out.push(verbatim(f.optedOut ? 'c.opted_out_at IS NOT NULL' : 'c.opted_out_at IS NULL'));
  if (f.createdFrom) {
    const from = instant(f.createdFrom);
    out.push(from ? sql`c.created_at >= ${from}::timestamptz` : FALSE);
  }
  if (f.createdTo) {
    const to = instant(f.createdTo);
    out.push(to ? sql`c.created_at < ${to}::timestamptz` : FALSE);
  }
  if (f.whatsappPhoneOnly) out.push(verbatim("c.whatsapp_phone <> ''"));
  if (f.whatsappPhone) out.push(sql`strpos(c.whatsapp_phone, ${f.whatsappPhone}) > 0`);
  if (f.keyword) {
    const p = likePattern(f.keyword);
    out.push(sql`c.name ILIKE ${p} ESCAPE '\\' OR c.phone ILIKE ${p} ESCAPE '\\' OR c.email ILIKE ${p} ESCAPE '\\'`);
  }
  if (f.customFields && Object.keys(f.customFields).length) {
    const texts = Object.entries(f.customFields).map(([key, value]) => [key, customFieldText(value)] as const);
    out.push(texts.some(([, text]) => text === null) ? FALSE : customFieldsEqual(sql`${JSON.stringify(Object.fromEntries(texts))}::jsonb`));
  }
  if (nonEmpty(f.anyLabelIds)) out.push(hasAnyLabelId(ws, segmentIds(f.anyLabelIds).ids));
  if (nonEmpty(f.allLabelIds)) out.push(hasAllLabelIds(ws, f.allLabelIds));
  if (nonEmpty(f.excludeAnyLabelIds)) out.push(sql`NOT ${hasAnyLabelId(ws, segmentIds(f.excludeAnyLabelIds).ids)}`);
  if (nonEmpty(f.excludeAllLabelIds)) out.push(sql`NOT ${hasAllLabelIds(ws, f.excludeAllLabelIds)}`);
  if (nonEmpty(f.allLabelNames)) out.push(hasLabelsNamed(ws, f.allLabelNames));
  if (nonEmpty(f.excludeLabelNames)) {
    out.push(sql`NOT ${labelExists(ws, sql`lower(l.name) IN (SELECT lower(n) FROM unnest(${[...f.excludeLabelNames]}::text[]) AS n)`)}`);
  }
  if (f.groupId) out.push(inGroup(ws, f.groupId));
  return out;
}

/**
 * The contacts of a workspace that a segment selects, as one query over `contacts as c` with nothing selected yet:
 * add `.select('c.*')`, `.count()`, an order and a limit, or use it as the SELECT of an INSERT. Every condition is a
 * set-based predicate (EXISTS / NOT EXISTS on labels and groups, jsonb for custom fields), and every subquery is
 * scoped to the workspace. The meaning is `matchesSegment` in domain/segment.ts.
 */
export function segmentQuery(db: Knex, workspaceId: string, filter: SegmentFilter): Knex.QueryBuilder {
  const q = db('contacts as c').where('c.workspace_id', workspaceId);
  const conditions = positiveConditions(workspaceId, filter);
  const additions = nonEmpty(filter.additionContactIds) ? segmentIds(filter.additionContactIds).ids : [];
  if (conditions.length) {
    const all = and(conditions);
    const selected = additions.length ? sql`${all} OR c.id = ANY(${additions}::uuid[])` : all;
    q.whereRaw(`(${selected.text})`, selected.values);
  }
  const excluded = nonEmpty(filter.excludeContactIds) ? segmentIds(filter.excludeContactIds).ids : [];
  if (excluded.length) q.whereRaw('c.id <> ALL(?::uuid[])', [excluded]);
  if (filter.reachableOnly) {
    const dnc = labelExists(workspaceId, sql`l.is_system AND l.name = ${DNC_LABEL_NAME}`);
    q.whereRaw(`(NOT c.blocked AND c.opted_out_at IS NULL AND NOT ${dnc.text})`, dnc.values);
  }
  return q;
}

/** How many contacts the segment selects (one COUNT query). */
export async function countSegment(db: Knex, workspaceId: string, filter: SegmentFilter): Promise<number> {
  const row = await segmentQuery(db, workspaceId, filter).count({ n: '*' }).first();
  return Number(row?.n ?? 0);
}
