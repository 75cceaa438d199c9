import { campaignsRepo, type CampaignStats } from '../db/repositories/campaigns';
import { jobsRepo } from '../db/repositories/jobs';
import type { CampaignRow, JobRow } from '../db/rows';
import { operatorRepo } from '../db/repositories/operator';
import { workspacesRepo } from '../db/repositories/workspaces';
import { bar, formatEta, formatRate, fraction, RateMeter } from './progress';
import { CliError, table, uuidArg, type Context } from './shared';

/** `switchboard campaign list|show|watch` and `job watch`: read through the repositories, any workspace. */

/** A campaign's statistics; `deferred` is counted once the statistics carry it. */
type Stats = CampaignStats & { deferred?: number };

const iso = (d: Date | null) => (d ? d.toISOString() : null);

const campaignItem = (c: CampaignRow) => ({
  id: c.id,
  workspace_id: c.workspace_id,
  name: c.name,
  status: c.status,
  channel: c.channel,
  dialect: c.dialect,
  phone_ids: c.phone_ids,
  target_contact_count: c.target_contact_count,
  parent_id: c.parent_id,
  recurrence: c.recurrence,
  start_time: iso(c.start_time),
  end_time: iso(c.end_time),
  created_at: c.created_at.toISOString(),
  started_at: iso(c.started_at),
  completed_at: iso(c.completed_at),
  canceled_at: iso(c.canceled_at),
});

/** The workspace that owns `id`: `--workspace` when given (and the id must be in it), else looked up. */
async function ownerOf(ctx: Context, kind: 'campaign' | 'job', id: string): Promise<string> {
  const given = ctx.values.workspace === undefined ? undefined : uuidArg(ctx.values.workspace, '--workspace', 'workspace');
  const found = kind === 'campaign' ? await operatorRepo(ctx.db()).campaignWorkspace(id) : await operatorRepo(ctx.db()).jobWorkspace(id);
  if (!found || (given && found !== given)) throw new CliError(`${kind} ${id} not found${given ? ` in workspace ${given}` : ''}`);
  return found;
}

async function loadCampaign(ctx: Context): Promise<CampaignRow> {
  const id = uuidArg(ctx.args[0], '<id>', 'campaign');
  const c = await campaignsRepo(ctx.db()).get(await ownerOf(ctx, 'campaign', id), id);
  if (!c) throw new CliError(`campaign ${id} not found`);
  return c;
}

/** `campaign list [--workspace ID] [--limit N] [--json]`. */
export async function campaignList(ctx: Context): Promise<void> {
  const limit = positiveInt(ctx.values.limit, '--limit', 50, 1000);
  const db = ctx.db();
  let page: { rows: CampaignRow[]; total: number };
  if (ctx.values.workspace !== undefined) {
    const workspaceId = uuidArg(ctx.values.workspace, '--workspace', 'workspace');
    if (!(await workspacesRepo(db).get(workspaceId))) throw new CliError(`workspace ${workspaceId} not found`);
    page = await campaignsRepo(db).list(workspaceId, {}, { limit, offset: 0 });
  } else {
    page = await operatorRepo(db).campaigns({ limit, offset: 0 });
  }
  if (ctx.json) return ctx.io.out(`${JSON.stringify(page.rows.map(campaignItem), null, 2)}\n`);
  if (!page.rows.length) return ctx.io.out('No campaigns.\n');
  const rows = page.rows.map((c) => [c.id, c.workspace_id, c.status, c.channel, c.created_at.toISOString(), c.name]);
  const more = page.total > page.rows.length ? `\n${page.rows.length} of ${page.total} shown (newest first); --limit shows more.` : '';
  ctx.io.out(`${table([['ID', 'WORKSPACE', 'STATUS', 'CHANNEL', 'CREATED', 'NAME'], ...rows]).join('\n')}${more}\n`);
}

/** `campaign show <id> [--workspace ID] [--json]`: the campaign and its exact statistics. */
export async function campaignShow(ctx: Context): Promise<void> {
  const c = await loadCampaign(ctx);
  const stats: Stats = await campaignsRepo(ctx.db()).stats(c);
  if (ctx.json) return ctx.io.out(`${JSON.stringify({ ...campaignItem(c), statistics: stats }, null, 2)}\n`);
  const item = campaignItem(c);
  const lines = table([
    ['id:', c.id],
    ['workspace:', c.workspace_id],
    ['name:', c.name],
    ['status:', c.status],
    ['channel:', c.channel],
    ['phones:', c.phone_ids.join(', ')],
    ['created:', item.created_at],
    ...(['start_time', 'started_at', 'completed_at', 'canceled_at'] as const).filter((k) => item[k]).map((k) => [`${k.replace('_', ' ')}:`, item[k] as string]),
  ]);
  const statistics = table(Object.entries(stats).map(([k, v]) => [`  ${k}`, String(v)]));
  ctx.io.out(`${[...lines, 'statistics:', ...statistics].join('\n')}\n`);
}

const CAMPAIGN_DONE: Record<string, number> = { completed: 0, canceled: 1, failed: 1 };

/** `campaign watch <id>`: a live progress line until the campaign is completed (exit 0), canceled or failed (1). */
export async function campaignWatch(ctx: Context): Promise<number> {
  const intervalMs = seconds(ctx.values.interval, '--interval', 1) * 1000;
  const first = await loadCampaign(ctx);
  const repo = campaignsRepo(ctx.db());
  return watch(ctx, intervalMs, {
    read: async () => {
      const c = (await repo.get(first.workspace_id, first.id)) ?? first;
      return { c, s: (await repo.stats(c)) as Stats };
    },
    done: ({ s }) => s.sent + s.failed + s.expired + s.canceled,
    key: ({ c, s }) => JSON.stringify([c.status, s.sent, s.failed, s.pending, s.deferred]),
    line: ({ c, s }, rate) => {
      const parts = [c.status.padEnd(9), bar(s.sent, s.total_contacts), fraction('sent', s.sent, s.total_contacts), `failed ${s.failed}`];
      if (s.deferred !== undefined) parts.push(`deferred ${s.deferred}`);
      if (CAMPAIGN_DONE[c.status] === undefined) parts.push(formatRate(rate), `ETA ${formatEta(s.pending && rate ? s.pending / rate : s.pending ? undefined : 0)}`);
      return parts.join('  ');
    },
    sample: ({ c, s }) => ({ status: c.status, ...s }),
    finished: ({ c }) => CAMPAIGN_DONE[c.status],
    failure: ({ c }) => `campaign ${c.id} is ${c.status}`,
  });
}

const JOB_DONE: Record<string, number> = { finished: 0, failed: 1 };

/** `job watch <id>`: an export's or import's progress until it is finished (exit 0) or failed (1). */
export async function jobWatch(ctx: Context): Promise<number> {
  const id = uuidArg(ctx.args[0], '<id>', 'job');
  const intervalMs = seconds(ctx.values.interval, '--interval', 1) * 1000;
  const workspaceId = await ownerOf(ctx, 'job', id);
  const repo = jobsRepo(ctx.db());
  const read = async (): Promise<JobRow> => {
    const job = await repo.get(workspaceId, id);
    if (!job) throw new CliError(`job ${id} not found`);
    return job;
  };
  await read();
  return watch(ctx, intervalMs, {
    read,
    done: (j) => j.processed_items,
    key: (j) => JSON.stringify([j.status, j.progress, j.processed_items, j.failed_items, j.total_items]),
    line: (j, rate) => {
      const count = j.total_items > 0 ? `${j.processed_items}/${j.total_items}` : String(j.processed_items);
      const parts = [j.status.padEnd(10), j.type, bar(j.progress, 100), `${count} (${j.progress}%)`, `failed ${j.failed_items}`];
      if (JOB_DONE[j.status] === undefined) {
        const left = j.total_items > 0 ? j.total_items - j.processed_items : undefined;
        parts.push(formatRate(rate), `ETA ${formatEta(left !== undefined && rate ? left / rate : undefined)}`);
      }
      return parts.join('  ');
    },
    sample: (j) => ({ status: j.status, type: j.type, progress: j.progress, total_items: j.total_items, processed_items: j.processed_items, failed_items: j.failed_items }),
    finished: (j) => JOB_DONE[j.status],
    failure: (j) => `job ${j.id} failed${typeof j.error_report?.message === 'string' ? `: ${j.error_report.message}` : ''}`,
  });
}

/**
 * Poll `read` every `intervalMs` and show its progress: on a terminal one line redrawn in place, elsewhere (a
 * pipe, a log) one line per change, with --json one JSON object per change. Ends when `finished` gives an exit code.
 */
async function watch<T>(
  ctx: Context,
  intervalMs: number,
  w: {
    read(): Promise<T>;
    done(v: T): number;
    key(v: T): string;
    line(v: T, rate: number | undefined): string;
    sample(v: T): Record<string, unknown>;
    finished(v: T): number | undefined;
    failure(v: T): string;
  },
): Promise<number> {
  const meter = new RateMeter();
  const live = !ctx.json && ctx.io.columns !== undefined;
  let lastKey = '';
  for (;;) {
    const v = await w.read();
    meter.add(Date.now(), w.done(v));
    const code = w.finished(v);
    const key = w.key(v);
    if (ctx.json) {
      if (key !== lastKey) ctx.io.out(`${JSON.stringify(w.sample(v))}\n`);
    } else if (live) {
      ctx.io.out(`\r${w.line(v, meter.rate()).slice(0, Math.max(20, (ctx.io.columns ?? 80) - 1))}\x1b[K`);
    } else if (key !== lastKey || code !== undefined) {
      ctx.io.out(`${w.line(v, meter.rate())}\n`);
    }
    lastKey = key;
    if (code !== undefined) {
      if (live) ctx.io.out('\n');
      if (code !== 0) ctx.io.err(`switchboard: ${w.failure(v)}\n`);
      return code;
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

function seconds(value: string | boolean | undefined, flag: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!(Number.isFinite(n) && n >= 0.05 && n <= 60)) throw new CliError(`${flag} must be a number of seconds between 0.05 and 60, got '${String(value)}'`, true);
  return n;
}

function positiveInt(value: string | boolean | undefined, flag: string, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!(Number.isInteger(n) && n >= 1 && n <= max)) throw new CliError(`${flag} must be a whole number between 1 and ${max}, got '${String(value)}'`, true);
  return n;
}
