/**
 * The segment filter: which contacts of a workspace a list, group, campaign or dialer selects. One definition serves
 * SeaX contact filters, Zagely contact filters and dynamic groups; db/repositories/segments.ts compiles it to one SQL
 * query and `matchesSegment` below is its plain in-memory meaning (the property test holds the two equal).
 *
 * Semantics: a contact is selected when
 *   (it passes every positive filter given, or its id is in additionContactIds)
 *   and its id is not in excludeContactIds
 *   and, with reachableOnly, it is not blocked, not opted out and has no DNC label.
 * "Positive filter" means every field except the three above, label exclusions included: an added contact is selected
 * even when it carries an excluded label, while excludeContactIds and reachableOnly win over additions.
 *
 * An absent field, an empty string, an empty array and an empty customFields object set no condition. Labels and
 * groups are those of the workspace only: an id or a name from another workspace matches nothing. Ids are UUIDs
 * (compared case-insensitively); a string that is not a UUID is an id of nothing.
 */
export interface SegmentFilter {
  /**
   * Case-insensitive substring of name, phone or email, taken literally (`%`, `_` and `\` are not wildcards, nothing is
   * trimmed). Case folding beyond ASCII follows the database's collation in SQL.
   */
  keyword?: string;
  /** Substring of the WhatsApp phone (case-sensitive, literal). */
  whatsappPhone?: string;
  /** true: only contacts that have a non-empty WhatsApp phone; false sets no condition. */
  whatsappPhoneOnly?: boolean;
  /** Contacts with at least one of these labels. */
  anyLabelIds?: string[];
  /** Contacts with every one of these labels (so a label of another workspace selects nothing). */
  allLabelIds?: string[];
  /** Contacts with none of these labels. */
  excludeAnyLabelIds?: string[];
  /** Contacts that do not have all of these labels. */
  excludeAllLabelIds?: string[];
  /** Label names (case-insensitive): contacts with all of them (Zagely tags). */
  allLabelNames?: string[];
  /** Label names (case-insensitive): contacts with any of them are left out (SeaX exclude_labels). */
  excludeLabelNames?: string[];
  /**
   * Member of this group: a static group's members, or a dynamic group's filters applied (see groupFiltersToSegment).
   * An unknown group, a group of another workspace and a dynamic group whose stored filters cannot be read select
   * nothing.
   */
  groupId?: string;
  /**
   * Each key's value must equal (as text) the contact's custom field: `{age: 30}` matches `"age": 30` and `"age": "30"`,
   * `{vip: true}` matches `true` and `"true"`. Comparison is exact (case-sensitive). A contact field that is null, an
   * object or an array matches nothing; so does a filter value that is not a string, boolean or finite number.
   * Numbers compare by their decimal text; numbers that JSON writes with an exponent (1e21, 1e-7) are not supported.
   */
  customFields?: Record<string, string | number | boolean>;
  /** created_at >= createdFrom and created_at < createdTo (half-open; see parseSegmentDate for date strings). */
  createdFrom?: Date;
  createdTo?: Date;
  /** true: blocked only; false: not blocked. */
  isBlocked?: boolean;
  /** true: opted out; false: not opted out. */
  optedOut?: boolean;
  excludeContactIds?: string[];
  additionContactIds?: string[];
  /** Audience mode for sending: never blocked, opted-out or DNC-labelled contacts. */
  reachableOnly?: boolean;
}

/** The contact columns a segment looks at. */
export interface SegmentContact {
  id: string;
  name: string;
  phone: string | null;
  whatsapp_phone: string | null;
  email: string | null;
  custom_fields: unknown;
  blocked: boolean;
  opted_out_at: Date | null;
  created_at: Date;
}

export interface SegmentLabel {
  name: string;
  is_system: boolean;
}

export interface SegmentGroup {
  /** 'static' | 'dynamic'; any other value makes a group that selects nothing. */
  type: string;
  /** A dynamic group's stored filters (Zagely shape, see groupFiltersToSegment); ignored for static groups. */
  filters: unknown;
}

/** What a segment needs to know around one contact; everything here belongs to the contact's workspace. */
export interface SegmentContext {
  /** The contact's label ids; ids that are not in `labels` (another workspace's) are ignored. */
  labelIds: ReadonlySet<string>;
  /** The workspace's labels by id. */
  labels: ReadonlyMap<string, SegmentLabel>;
  /** Ids of the static groups the contact is a member of. */
  staticGroupIds: ReadonlySet<string>;
  /** The workspace's groups by id. */
  groups: ReadonlyMap<string, SegmentGroup>;
}

/** The name of the system label that marks a contact as do-not-contact. */
export const DNC_LABEL_NAME = 'DNC';

/** Thrown by groupFiltersToSegment when a dynamic group's stored filters cannot be read. */
export class InvalidGroupFiltersError extends Error {
  constructor(detail: string) {
    super(`Invalid group filters: ${detail}`);
    this.name = 'InvalidGroupFiltersError';
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The ids of a list that can name a row (UUIDs, lower-cased), and whether some could not. */
export function segmentIds(ids: readonly string[]): { ids: string[]; someInvalid: boolean } {
  const valid = ids.filter((id) => typeof id === 'string' && UUID.test(id)).map((id) => id.toLowerCase());
  return { ids: [...new Set(valid)], someInvalid: valid.length < ids.length };
}

/**
 * A date bound as users write it: `YYYY-MM-DD` (a whole UTC day) or an ISO 8601 timestamp with a zone (`Z` or
 * `±hh:mm`; seconds and a fraction are optional, digits after milliseconds are dropped). The same pattern is run by
 * PostgreSQL for dynamic groups, so it sticks to syntax both regex engines read alike.
 */
export const SEGMENT_DATE_PATTERN =
  '^([0-9]{4})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])' +
  '(?:[Tt ]([01][0-9]|2[0-3]):([0-5][0-9])(?::([0-5][0-9])(?:[.]([0-9]{1,9}))?)?(?:[Zz]|([+-])([01][0-9]|2[0-3]):([0-5][0-9])))?$';
const DATE_RE = new RegExp(SEGMENT_DATE_PATTERN);
const DAY_MS = 86_400_000;

/**
 * The instant a date bound stands for, or null when the text is not a valid date. As a lower bound (`from`) a date is
 * the start of that UTC day; as an upper bound (`to`) a date includes that whole UTC day (the result is the next
 * day's start, used exclusively), so `created_to: 2026-01-31` includes Jan 31. A timestamp is used as is: inclusive
 * as `from`, exclusive as `to`.
 */
export function parseSegmentDate(text: string, bound: 'from' | 'to'): Date | null {
  const m = DATE_RE.exec(text);
  if (!m) return null;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (year === 0) return null;
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day); // full year as given (Date.UTC would map 0-99 to 1900-1999)
  if (date.getUTCMonth() !== month - 1) return null; // 2026-02-30 and the like
  if (m[4] === undefined) return new Date(date.getTime() + (bound === 'to' ? DAY_MS : 0));
  const seconds = Number(m[4]) * 3600 + Number(m[5]) * 60 + Number(m[6] ?? 0);
  const millis = m[7] === undefined ? 0 : Number(m[7].slice(0, 3).padEnd(3, '0'));
  const offsetMinutes = m[8] === undefined ? 0 : (m[8] === '-' ? -1 : 1) * (Number(m[9]) * 60 + Number(m[10]));
  return new Date(date.getTime() + seconds * 1000 + millis - offsetMinutes * 60_000);
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const own = (o: Record<string, unknown>, key: string) => Object.prototype.hasOwnProperty.call(o, key);
const isScalar = (v: unknown): v is string | number | boolean =>
  typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v));

/**
 * A dynamic group's stored filters as a segment filter. The Zagely shape is
 * `{tags?: string[], custom_fields?: {key: string|number|boolean}, created_from?: date, created_to?: date}`:
 * tags → allLabelNames (all of them, case-insensitive), custom_fields → customFields, created_from/created_to →
 * createdFrom/createdTo through parseSegmentDate (so a created_to date includes that whole UTC day).
 * Null or absent filters, and null or absent keys, set no condition (a dynamic group without filters holds every
 * contact); unknown keys are ignored. Anything else that does not fit the shape throws InvalidGroupFiltersError, and a
 * group whose filters throw selects nothing. Validate with this function before storing a group's filters.
 */
export function groupFiltersToSegment(filters: unknown): SegmentFilter {
  if (filters === null || filters === undefined) return {};
  if (!isObject(filters)) throw new InvalidGroupFiltersError('filters must be an object');
  const out: SegmentFilter = {};
  const { tags, custom_fields: customFields, created_from: createdFrom, created_to: createdTo } = filters;
  if (tags !== null && tags !== undefined) {
    if (!Array.isArray(tags) || !tags.every((t) => typeof t === 'string')) throw new InvalidGroupFiltersError('tags must be an array of strings');
    if (tags.length) out.allLabelNames = tags as string[];
  }
  if (customFields !== null && customFields !== undefined) {
    if (!isObject(customFields) || !Object.values(customFields).every(isScalar)) {
      throw new InvalidGroupFiltersError('custom_fields must be an object of strings, numbers and booleans');
    }
    if (Object.keys(customFields).length) out.customFields = customFields as Record<string, string | number | boolean>;
  }
  for (const [key, value, bound] of [['created_from', createdFrom, 'from'], ['created_to', createdTo, 'to']] as const) {
    if (value === null || value === undefined) continue;
    const date = typeof value === 'string' ? parseSegmentDate(value, bound) : null;
    if (!date) throw new InvalidGroupFiltersError(`${key} must be a date (YYYY-MM-DD) or an ISO 8601 timestamp with a zone`);
    if (bound === 'from') out.createdFrom = date;
    else out.createdTo = date;
  }
  return out;
}

/** The text a custom field value compares by, or null for values that never match (null, objects, arrays). */
export function customFieldText(value: unknown): string | null {
  return isScalar(value) ? String(value) : null;
}

const nonEmpty = <T>(list: readonly T[] | undefined): list is readonly T[] => list !== undefined && list.length > 0;

/** Whether the contact is in the segment: the in-memory meaning of the SQL in db/repositories/segments.ts. */
export function matchesSegment(contact: SegmentContact, ctx: SegmentContext, filter: SegmentFilter): boolean {
  const id = contact.id.toLowerCase();
  if (nonEmpty(filter.excludeContactIds) && segmentIds(filter.excludeContactIds).ids.includes(id)) return false;
  if (filter.reachableOnly && !isReachable(contact, ctx)) return false;
  if (passesFilters(contact, ctx, filter)) return true;
  return nonEmpty(filter.additionContactIds) && segmentIds(filter.additionContactIds).ids.includes(id);
}

function isReachable(contact: SegmentContact, ctx: SegmentContext): boolean {
  return !contact.blocked && contact.opted_out_at === null && !labelsOf(ctx).some(([, l]) => l.is_system && l.name === DNC_LABEL_NAME);
}

/** The contact's labels that belong to the workspace, as [id, label]. */
function labelsOf(ctx: SegmentContext): [string, SegmentLabel][] {
  return [...ctx.labelIds].flatMap((labelId) => {
    const label = ctx.labels.get(labelId);
    return label ? [[labelId, label] as [string, SegmentLabel]] : [];
  });
}

function hasAllIds(have: ReadonlySet<string>, wanted: readonly string[]): boolean {
  const { ids, someInvalid } = segmentIds(wanted);
  return !someInvalid && ids.every((labelId) => have.has(labelId));
}

function passesFilters(contact: SegmentContact, ctx: SegmentContext, f: SegmentFilter): boolean {
  const labels = labelsOf(ctx);
  const labelIds = new Set(labels.map(([labelId]) => labelId));
  const labelNames = new Set(labels.map(([, l]) => l.name.toLowerCase()));

  if (f.keyword) {
    const needle = f.keyword.toLowerCase();
    if (![contact.name, contact.phone, contact.email].some((v) => v !== null && v.toLowerCase().includes(needle))) return false;
  }
  if (f.whatsappPhone && !(contact.whatsapp_phone ?? '').includes(f.whatsappPhone)) return false;
  if (f.whatsappPhoneOnly && !contact.whatsapp_phone) return false;
  if (nonEmpty(f.anyLabelIds) && !segmentIds(f.anyLabelIds).ids.some((l) => labelIds.has(l))) return false;
  if (nonEmpty(f.allLabelIds) && !hasAllIds(labelIds, f.allLabelIds)) return false;
  if (nonEmpty(f.excludeAnyLabelIds) && segmentIds(f.excludeAnyLabelIds).ids.some((l) => labelIds.has(l))) return false;
  if (nonEmpty(f.excludeAllLabelIds) && hasAllIds(labelIds, f.excludeAllLabelIds)) return false;
  if (nonEmpty(f.allLabelNames) && !f.allLabelNames.every((n) => labelNames.has(n.toLowerCase()))) return false;
  if (nonEmpty(f.excludeLabelNames) && f.excludeLabelNames.some((n) => labelNames.has(n.toLowerCase()))) return false;
  if (f.groupId && !inGroup(contact, ctx, f.groupId)) return false;
  if (f.customFields && !customFieldsMatch(contact.custom_fields, f.customFields)) return false;
  if (f.createdFrom && !(contact.created_at.getTime() >= f.createdFrom.getTime())) return false;
  if (f.createdTo && !(contact.created_at.getTime() < f.createdTo.getTime())) return false;
  if (f.isBlocked !== undefined && contact.blocked !== f.isBlocked) return false;
  if (f.optedOut !== undefined && (contact.opted_out_at !== null) !== f.optedOut) return false;
  return true;
}

function inGroup(contact: SegmentContact, ctx: SegmentContext, groupId: string): boolean {
  const [id] = segmentIds([groupId]).ids;
  const group = id === undefined ? undefined : ctx.groups.get(id);
  if (!group) return false;
  if (group.type === 'static') return ctx.staticGroupIds.has(id);
  if (group.type !== 'dynamic') return false;
  let filter: SegmentFilter;
  try {
    filter = groupFiltersToSegment(group.filters);
  } catch (err) {
    if (err instanceof InvalidGroupFiltersError) return false;
    throw err;
  }
  return passesFilters(contact, ctx, filter);
}

function customFieldsMatch(fields: unknown, wanted: Record<string, unknown>): boolean {
  return Object.entries(wanted).every(([key, value]) => {
    const want = customFieldText(value);
    const have = isObject(fields) && own(fields, key) ? customFieldText(fields[key]) : null;
    return want !== null && have !== null && have === want;
  });
}
