import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Knex } from 'knex';
import { sha256Hex } from '../services/access';
import { keyService } from '../services/keys';
import { workspaceService } from '../services/workspaces';
import { apiKeysRepo } from '../db/repositories/api-keys';
import { phonesRepo } from '../db/repositories/phones';
import { workspacesRepo } from '../db/repositories/workspaces';
import type { WorkspaceRow } from '../db/rows';

export const DEMO_WORKSPACE_NAME = 'Demo workspace';

/**
 * The demo's default sender. +1 500 555 0006 is valid for libphonenumber (a US "500" personal-communications
 * number), can never be a real subscriber's line (500-555 is not assigned to anyone), and is Twilio's documented
 * "magic" From number that passes validation with test credentials, so the same phone also works if someone points
 * it at Twilio's test account. The built-in simulator carrier delivers nothing anywhere.
 */
export const DEMO_SENDER = '+15005550006';

/** What `$DATA_DIR/demo.env` holds: enough for the curl quick start, the admin API and the CLI. */
export const DEMO_ENV_KEYS = ['WORKSPACE_ID', 'API_KEY', 'PUBLIC_KEY', 'SECRET_KEY', 'API_URL', 'ADMIN_TOKEN', 'DATABASE_URL', 'TEMPORAL_ADDRESS'] as const;
export type DemoEnv = Record<(typeof DEMO_ENV_KEYS)[number], string>;

export interface DemoResult {
  env: DemoEnv;
  /** A new workspace was provisioned (first start, or the previous one is gone from this database). */
  created: boolean;
  /** Human-readable notes about what was repaired (a revoked key re-issued, a disabled workspace). */
  notes: string[];
}

/** Read a KEY=value file as written by writeDemoEnv (single-quoted values, # comments). Missing file: {}. */
export function readDemoEnv(file: string): Partial<DemoEnv> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return {};
  }
  const out: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*(?:export\s+)?([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line);
    if (!m) continue;
    let value = m[2].trim();
    if (value.startsWith("'") && value.endsWith("'") && value.length >= 2) value = value.slice(1, -1).replace(/'\\''/g, "'");
    else if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) value = value.slice(1, -1);
    out[m[1]] = value;
  }
  return out as Partial<DemoEnv>;
}

/** Write the file atomically, readable by its owner only (it holds secrets), in a form `. file` can source. */
export function writeDemoEnv(file: string, env: DemoEnv): void {
  writeEnvFile(file, DEMO_ENV_KEYS.map((k) => [k, env[k]]), `Written by \`npm start\` (stack/demo.ts). Load it into a shell with: set -a; . ${file}; set +a`);
}

/** `KEY='value'` lines under a `#` comment, written atomically and readable by the owner only (readDemoEnv reads them). */
export function writeEnvFile(file: string, entries: [string, string][], comment: string): void {
  const quote = (v: string) => `'${v.replace(/'/g, "'\\''")}'`;
  const body = [`# ${comment}`, ...entries.map(([k, v]) => `${k}=${quote(v)}`), ''].join('\n');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, body, { mode: 0o600 });
  fs.renameSync(tmp, file);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The demo workspace for `npm start`, created once and reused: the workspace named in `file` is kept when it still
 * exists in this database (its keys are re-issued only if they stopped working); otherwise a new "Demo workspace"
 * is provisioned with a default simulator sender phone, in one transaction. Always rewrites `file`.
 */
export async function ensureDemoWorkspace(
  db: Knex,
  opts: { file: string; apiUrl: string; databaseUrl: string; temporalAddress: string; adminToken?: string },
): Promise<DemoResult> {
  const previous = readDemoEnv(opts.file);
  const notes: string[] = [];
  const adminToken =
    opts.adminToken ?? (previous.ADMIN_TOKEN && previous.ADMIN_TOKEN.length >= 16 ? previous.ADMIN_TOKEN : randomBytes(24).toString('base64url'));

  const existing =
    previous.WORKSPACE_ID && UUID.test(previous.WORKSPACE_ID) ? await workspacesRepo(db).get(previous.WORKSPACE_ID) : undefined;

  let keys: Pick<DemoEnv, 'WORKSPACE_ID' | 'API_KEY' | 'PUBLIC_KEY' | 'SECRET_KEY'>;
  let created = false;
  if (existing) {
    keys = await reuseKeys(db, existing, previous, notes);
    if (existing.status !== 'active') notes.push(`the demo workspace is ${existing.status}: its keys answer 401 until it is enabled again`);
  } else {
    if (previous.WORKSPACE_ID) notes.push(`workspace ${previous.WORKSPACE_ID} from ${opts.file} is not in this database; provisioned a new one`);
    keys = await provisionDemo(db);
    created = true;
  }
  const env: DemoEnv = { ...keys, API_URL: opts.apiUrl, ADMIN_TOKEN: adminToken, DATABASE_URL: opts.databaseUrl, TEMPORAL_ADDRESS: opts.temporalAddress };
  writeDemoEnv(opts.file, env);
  return { env, created, notes };
}

async function provisionDemo(db: Knex) {
  return db.transaction(async (trx) => {
    const p = await workspaceService(trx).provision({ name: DEMO_WORKSPACE_NAME, default_country: 'US' });
    await phonesRepo(trx).create({
      workspace_id: p.workspace.id,
      name: 'Demo sender (simulator)',
      phone: DEMO_SENDER,
      country: 'US',
      type: 'LOCAL',
      source: 'SIMULATOR',
      is_default: true,
    });
    return { WORKSPACE_ID: p.workspace.id, API_KEY: p.api_key, PUBLIC_KEY: p.public_key, SECRET_KEY: p.secret_key };
  });
}

/** Keep the keys from demo.env when they still authenticate; re-issue the ones that were revoked or disabled. */
async function reuseKeys(db: Knex, ws: WorkspaceRow, previous: Partial<DemoEnv>, notes: string[]) {
  const repo = apiKeysRepo(db);
  const live = (row: { workspace_id: string; revoked_at: Date | null; disabled_at: Date | null; expires_at: Date | null } | undefined) =>
    !!row && row.workspace_id === ws.id && !row.revoked_at && !row.disabled_at && (!row.expires_at || row.expires_at.getTime() > Date.now());

  let apiKey = previous.API_KEY;
  if (!apiKey || !live(await repo.findBySecretHash(sha256Hex(apiKey)))) {
    apiKey = (await keyService(db).resetSeaxKey(ws.id, 'Default API key')).apiKey;
    notes.push('the demo X-API-Key no longer worked; issued a new one');
  }

  let publicKey = previous.PUBLIC_KEY;
  let secretKey = previous.SECRET_KEY;
  const pair = publicKey ? await repo.findByPublicKey(publicKey) : undefined;
  if (!publicKey || !secretKey || !live(pair) || pair?.secret_hash !== sha256Hex(secretKey)) {
    const fresh = await keyService(db).createPair(ws.id, { name: 'Default key pair', abilities: ['*'] });
    publicKey = fresh.publicKey;
    secretKey = fresh.secretKey;
    notes.push('the demo key pair no longer worked; issued a new one');
  }
  return { WORKSPACE_ID: ws.id, API_KEY: apiKey, PUBLIC_KEY: publicKey, SECRET_KEY: secretKey };
}
