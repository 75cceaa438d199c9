import type { Knex } from 'knex';
import { autoRepliesRepo, type AutoReplyPatch, type NewAutoReply } from '../db/repositories/auto-replies';
import { complianceRepo } from '../db/repositories/compliance';
import { contactsRepo } from '../db/repositories/contacts';
import { labelsRepo } from '../db/repositories/labels';
import { messagesRepo } from '../db/repositories/messages';
import { phonesRepo } from '../db/repositories/phones';
import { matchKeyword, type KeywordRule } from '../domain/keyword-match';
import { matchComplianceKeyword } from '../domain/opt-out';
import { isWithinSendingWindow } from '../domain/quiet-hours';
import { contactVariables, render } from '../domain/template';
import type { Logger } from '../lib/logger';
import { notFound, invalid } from './errors';
import type { ReplyInput } from './messages';
import type { AutoReplyOrigin, AutoReplyRow, ContactRow, LabelRow, MatchMode, MessageRow, PhoneRow, TriggerType } from '../db/rows';

/*
 * Keyword auto-replies (SeaX phone keywords) and Zagely automations: one table (auto_replies, told apart by origin),
 * one evaluation after every inbound message that is not a compliance keyword (STOP/START/HELP are answered by
 * carrier-events.ts and never reach a rule).
 *
 * Which rule answers (at most one reply per inbound message):
 * 1. Eligible rules: active, phone_id null or the receiving phone, channel 'all' or the message's channel (MMS counts
 *    as sms). A keyword rule is eligible when domain/keyword-match.ts matches it; a welcome rule when this is the
 *    contact's first inbound message ever (any channel, any phone); an away rule when the message arrived outside
 *    business hours: `conditions.hours` ({start, end, timezone?}, HH:MM) when the rule has it, else the workspace's
 *    quiet_hours_start/end window read as its business hours, in the workspace's time zone (start = end: always open,
 *    so never away).
 * 2. The highest priority wins (Zagely: "Higher priority evaluated first"); on equal priority keyword beats welcome
 *    beats away; among keywords matchKeyword's order decides (exact > contains > fuzzy, then age).
 * 3. Nothing eligible: the highest-priority fallback rule, else the phone's SeaX generic reply
 *    (enabled_generic_reply + generic_reply_message), else no reply.
 *
 * The reply is the winner's response_content rendered with the contact's variables (domain/template.ts), sent as a BOT
 * message (is_marketing false): the compliance gate refuses it to opted-out / DNC / blocked contacts and records the
 * attempt as failed.
 *
 * Exactly once: this runs after the ingest transaction committed, so it must survive provider retries and crashes.
 * One transaction claims the inbound message (auto_reply_logs has a unique index on inbound_message_id), applies the
 * rule's labels and records the queued reply row; the workflow starts after commit. A retried webhook finds the log
 * and only re-starts the reply's workflow if the first attempt died before starting it (the workflow id is the
 * message id, so a second start is a no-op).
 *
 * SeaX keyword options: enabled_auto_reply is the rule's is_active. enabled_contact_label attaches contact_label_ids
 * to the contact. keep_dnc_label_only (undocumented by SeaX; our reading): a contact that carries the DNC label keeps
 * it as its only keyword-driven label: the keyword's labels are not attached to a DNC / opted-out contact.
 */

export interface ReplySender {
  recordReply(input: ReplyInput, trx?: Knex): Promise<MessageRow>;
  startMessage(row: MessageRow): Promise<MessageRow>;
}

export interface AutoReplyDeps {
  db: Knex;
  logger: Logger;
  /** The outbound reply path (api/services/messages.ts); needed by onInbound only, not by the CRUD routes. */
  replies?: ReplySender;
  clock?: () => Date;
}

export interface AutoReplyResult {
  /** The rule that answered; null for the SeaX generic reply. */
  autoReplyId: string | null;
  kind: TriggerType | 'generic';
  replyMessageId: string | null;
  /** True when an earlier delivery of the same inbound message was already answered. */
  duplicate: boolean;
}

interface Winner {
  rule: AutoReplyRow | null;
  kind: TriggerType | 'generic';
  content: string | null;
  mediaUrl: string | null;
  matchedText: string | null;
}

type KeywordCandidate = KeywordRule & { row: AutoReplyRow };
const KIND_RANK: Record<string, number> = { keyword: 0, welcome: 1, away: 2 };

interface Hours {
  start: string;
  end: string;
  timezone?: string;
}

function hoursOf(conditions: Record<string, unknown>): Hours | undefined {
  const h = conditions?.hours as Record<string, unknown> | undefined;
  if (h && typeof h.start === 'string' && typeof h.end === 'string') {
    return { start: h.start, end: h.end, ...(typeof h.timezone === 'string' ? { timezone: h.timezone } : {}) };
  }
  return undefined;
}

const byPriority = (a: AutoReplyRow, b: AutoReplyRow) =>
  b.priority - a.priority || a.created_at.getTime() - b.created_at.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

export function autoReplyService(deps: AutoReplyDeps) {
  const { db, logger } = deps;
  const now = () => deps.clock?.() ?? new Date();
  const repo = autoRepliesRepo(db);
  const contacts = contactsRepo(db);
  const labels = labelsRepo(db);
  const phones = phonesRepo(db);
  const compliance = complianceRepo(db);

  const isFirstInbound = async (m: MessageRow): Promise<boolean> => !(await messagesRepo(db).hasEarlierInbound(m));

  type Window = Awaited<ReturnType<typeof compliance.sendingWindow>>;
  function isAway(rule: AutoReplyRow, at: Date, ws: Window): boolean {
    const hours: Hours = hoursOf(rule.conditions) ?? { start: ws.start, end: ws.end };
    try {
      return !isWithinSendingWindow({ now: at, timeZone: hours.timezone ?? null, fallbackTimeZone: ws.workspaceTimeZone, window: { start: hours.start, end: hours.end } });
    } catch (err) {
      logger.warn({ err, autoReplyId: rule.id }, 'away rule has unreadable hours; skipped');
      return false;
    }
  }

  async function choose(m: MessageRow, phone: PhoneRow): Promise<Winner | null> {
    const channel = m.channel === 'whatsapp' ? 'whatsapp' : 'sms';
    const rules = await repo.candidates(m.workspace_id, phone.id, channel);
    const eligible: { row: AutoReplyRow; kind: TriggerType; matchedText: string | null; rank: number }[] = [];

    const keywordRules: KeywordCandidate[] = rules
      .filter((r) => r.trigger_type === 'keyword' && r.trigger_value)
      .map((r) => ({ id: r.id, keyword: r.trigger_value!, mode: r.match_mode, priority: r.priority, enabled: r.is_active, createdAt: r.created_at, row: r }));
    const km = matchKeyword(m.content ?? '', keywordRules);
    if (km) eligible.push({ row: km.rule.row, kind: 'keyword', matchedText: km.matchedText, rank: 0 });

    const welcome = rules.filter((r) => r.trigger_type === 'welcome').sort(byPriority);
    if (welcome.length && (await isFirstInbound(m))) eligible.push({ row: welcome[0], kind: 'welcome', matchedText: null, rank: 0 });

    const at = m.received_at ?? m.created_at ?? now();
    const awayRules = rules.filter((x) => x.trigger_type === 'away').sort(byPriority);
    const window = awayRules.length ? await compliance.sendingWindow(m.workspace_id, null) : undefined;
    for (const r of awayRules) {
      if (window && isAway(r, at, window)) {
        eligible.push({ row: r, kind: 'away', matchedText: null, rank: 0 });
        break;
      }
    }

    eligible.sort((a, b) => b.row.priority - a.row.priority || KIND_RANK[a.kind] - KIND_RANK[b.kind]);
    const best = eligible[0];
    if (best) return { rule: best.row, kind: best.kind, content: best.row.response_content, mediaUrl: best.row.response_media_url, matchedText: best.matchedText };

    const fallback = rules.filter((r) => r.trigger_type === 'fallback').sort(byPriority)[0];
    if (fallback) return { rule: fallback, kind: 'fallback', content: fallback.response_content, mediaUrl: fallback.response_media_url, matchedText: null };
    if (phone.enabled_generic_reply && phone.generic_reply_message) {
      return { rule: null, kind: 'generic', content: phone.generic_reply_message, mediaUrl: null, matchedText: null };
    }
    return null;
  }

  async function labelsFor(rule: AutoReplyRow | null, contact: ContactRow, trx: Knex): Promise<void> {
    if (!rule || rule.origin !== 'seax_keyword' || !rule.enabled_contact_label || !rule.contact_label_ids.length) return;
    if (rule.keep_dnc_label_only) {
      const facts = await compliance.recipientFacts(contact.workspace_id, { contactId: contact.id }, trx);
      if (facts && (facts.dnc || facts.optedOut)) return;
    }
    // Only labels that still exist in the workspace (a deleted label leaves a stale id in the array).
    const existing = [...(await labels.existingIds(contact.workspace_id, rule.contact_label_ids, trx))];
    await labels.attach(contact.workspace_id, [contact.id], existing, trx);
  }

  /**
   * Answer one inbound message with at most one auto-reply (see the module comment). Never throws for "no rule".
   * `complianceHandled`: what the ingest reported (a compliance keyword acted on); unknown for a provider retry,
   * then any compliance keyword in the text (including a "YES" that changed nothing) is left unanswered.
   */
  async function onInbound(workspaceId: string, inboundMessageId: string, opts: { complianceHandled?: boolean } = {}): Promise<AutoReplyResult | null> {
    const replies = deps.replies;
    if (!replies) throw new Error('autoReplyService.onInbound needs deps.replies');
    const m = await messagesRepo(db).get(workspaceId, inboundMessageId);
    if (!m || m.direction !== 'inbound' || !m.contact_id || !m.phone_id) return null;
    if (opts.complianceHandled ?? matchComplianceKeyword(m.content) !== null) return null;

    const done = await repo.logFor(workspaceId, m.id);
    if (done) return resume(done);

    const phone = await phones.get(workspaceId, m.phone_id);
    const contact = await contacts.get(workspaceId, m.contact_id);
    if (!phone || !contact) return null;
    const winner = await choose(m, phone);
    if (!winner) return null;

    const result = await db.transaction(async (trx) => {
      const log = await repo.claim(
        { workspace_id: workspaceId, auto_reply_id: winner.rule?.id ?? null, inbound_message_id: m.id, contact_id: contact.id, matched_text: winner.matchedText },
        trx,
      );
      if (!log) return { duplicate: true as const };
      await labelsFor(winner.rule, contact, trx);
      const text = winner.content ? render(winner.content, contactVariables(contact)).text : '';
      if (!text.trim() && !winner.mediaUrl) return { duplicate: false as const, reply: undefined };
      const reply = await replies.recordReply(
        {
          workspaceId,
          phoneId: phone.id,
          contactId: contact.id,
          conversationId: m.conversation_id,
          channel: m.channel === 'whatsapp' ? 'whatsapp' : 'sms',
          to: m.from_address,
          from: m.to_address,
          content: text,
          mediaUrl: winner.mediaUrl,
          senderType: 'BOT',
          inReplyTo: m.id,
        },
        trx,
      );
      await repo.setReply(log.id, reply.id, trx);
      return { duplicate: false as const, reply };
    });
    if (result.duplicate) {
      const log = await repo.logFor(workspaceId, m.id);
      return log ? resume(log) : null;
    }
    if (result.reply) await replies.startMessage(result.reply);
    return { autoReplyId: winner.rule?.id ?? null, kind: winner.kind, replyMessageId: result.reply?.id ?? null, duplicate: false };
  }

  /** A retry of an answered message: re-start the reply's workflow if the first attempt never started it. */
  async function resume(log: { workspace_id: string; auto_reply_id: string | null; reply_message_id: string | null }): Promise<AutoReplyResult> {
    if (log.reply_message_id) {
      const reply = await messagesRepo(db).get(log.workspace_id, log.reply_message_id);
      if (reply && reply.status === 'queued' && !reply.workflow_id) await deps.replies?.startMessage(reply);
    }
    return { autoReplyId: log.auto_reply_id, kind: 'keyword', replyMessageId: log.reply_message_id, duplicate: true };
  }

  // ---- CRUD (both dialects) ----

  async function checkPhone(workspaceId: string, phoneId: string | null | undefined, field: string): Promise<void> {
    if (!phoneId) return;
    if (!(await phones.get(workspaceId, phoneId))) throw invalid(field, `The ${field} field must name one of the workspace's sessions.`);
  }

  async function checkLabels(workspaceId: string, ids: string[] | undefined): Promise<void> {
    if (!ids?.length) return;
    const existing = await labels.existingIds(workspaceId, ids);
    const missing = ids.filter((id) => !existing.has(id));
    if (missing.length) throw invalid('contact_label_ids', `The contact_label_ids field names unknown labels: ${missing.join(', ')}.`);
  }

  function checkKeyword(row: { trigger_type?: TriggerType; trigger_value?: string | null }): void {
    if (row.trigger_type === 'keyword' && !row.trigger_value?.trim()) {
      throw invalid('trigger_value', 'The trigger_value field is required when trigger_type is keyword.');
    }
  }

  async function get(workspaceId: string, id: string, origin: AutoReplyOrigin): Promise<AutoReplyRow> {
    const row = await repo.get(workspaceId, id, origin);
    if (!row) throw notFound(origin === 'seax_keyword' ? 'Keyword' : 'Automation');
    return row;
  }

  const service = {
    onInbound,
    get,

    list: repo.list,

    async show(workspaceId: string, id: string) {
      const row = await get(workspaceId, id, 'zagely_automation');
      return { row, logs: await repo.recentLogs(workspaceId, id, 50) };
    },

    async create(row: NewAutoReply): Promise<AutoReplyRow> {
      checkKeyword(row);
      await checkPhone(row.workspace_id, row.phone_id, row.origin === 'seax_keyword' ? 'phone_id' : 'session_id');
      await checkLabels(row.workspace_id, row.contact_label_ids);
      return repo.insert(row);
    },

    async update(workspaceId: string, id: string, origin: AutoReplyOrigin, patch: AutoReplyPatch): Promise<AutoReplyRow> {
      const current = await get(workspaceId, id, origin);
      checkKeyword({ trigger_type: patch.trigger_type ?? current.trigger_type, trigger_value: patch.trigger_value !== undefined ? patch.trigger_value : current.trigger_value });
      await checkPhone(workspaceId, patch.phone_id, 'session_id');
      await checkLabels(workspaceId, patch.contact_label_ids);
      const row = await repo.update(workspaceId, id, patch, origin);
      if (!row) throw notFound(origin === 'seax_keyword' ? 'Keyword' : 'Automation');
      return row;
    },

    async toggle(workspaceId: string, id: string): Promise<AutoReplyRow> {
      const row = await repo.toggle(workspaceId, id, 'zagely_automation');
      if (!row) throw notFound('Automation');
      return row;
    },

    async delete(workspaceId: string, id: string, origin: AutoReplyOrigin): Promise<void> {
      if (!(await repo.delete(workspaceId, id, origin))) throw notFound(origin === 'seax_keyword' ? 'Keyword' : 'Automation');
    },

    /** SeaX phone keywords: the phone must be the workspace's (404 Phone otherwise). */
    async requirePhone(workspaceId: string, phoneId: string): Promise<void> {
      if (!(await phones.get(workspaceId, phoneId))) throw notFound('Phone');
    },

    /** One keyword of one phone (404 Keyword when it is another phone's). */
    async keywordOf(workspaceId: string, phoneId: string, id: string): Promise<AutoReplyRow> {
      const row = await get(workspaceId, id, 'seax_keyword');
      if (row.phone_id !== phoneId) throw notFound('Keyword');
      return row;
    },

    /** SeaX keywords of many phones, keyed by phone id, with the labels they name: two queries whatever the number of phones. */
    async keywordsWithLabels(workspaceId: string, phoneIds: string[]): Promise<{ byPhone: Map<string, AutoReplyRow[]>; labels: Map<string, LabelRow> }> {
      const byPhone = await repo.keywordsOfPhones(workspaceId, phoneIds);
      return { byPhone, labels: await labelsNamedBy(workspaceId, [...byPhone.values()].flat()) };
    },

    /** The labels the rules name, in one query. */
    labelsNamedBy,
  };
  return service;

  async function labelsNamedBy(workspaceId: string, rows: AutoReplyRow[]): Promise<Map<string, LabelRow>> {
    const ids = [...new Set(rows.flatMap((r) => r.contact_label_ids))];
    if (!ids.length) return new Map();
    return new Map((await labels.getMany(workspaceId, ids)).map((l) => [l.id, l]));
  }
}

export type AutoReplyService = ReturnType<typeof autoReplyService>;
export type { MatchMode };
