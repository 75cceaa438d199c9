import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

/** The `npm start` stack writes the URLs of what it started here (`KEY=value` lines). */
export const DEMO_ENV_FILE = path.join('.data', 'demo.env');

const cliConfigSchema = z
  .object({
    DATABASE_URL: z.string({ error: 'is not set' }).url({ message: 'must be a postgres:// URL' }),
    /** An external Temporal frontend, host:port; else the dev server on TEMPORAL_PORT, as `npm start` reads them. */
    TEMPORAL_ADDRESS: z.string().min(1).optional(),
    TEMPORAL_PORT: z.coerce.number({ error: 'must be a port number' }).int().min(1).max(65535).default(7233),
    TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
    /** For `migrate`: seals secrets that older versions stored in clear. */
    CREDENTIALS_ENCRYPTION_KEY: z.string().optional(),
  })
  .transform(({ TEMPORAL_PORT, ...c }) => ({ ...c, TEMPORAL_ADDRESS: c.TEMPORAL_ADDRESS ?? `127.0.0.1:${TEMPORAL_PORT}` }));

export type CliConfig = z.infer<typeof cliConfigSchema> & { source: string };

export class CliConfigError extends Error {
  override name = 'CliConfigError';
}

/** `KEY=value` lines as stack/demo.ts writes them: `#` comments, single-quoted values with `'\\''` for a quote. */
export function parseEnvFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim().replace(/^export\s+/, '');
    const match = /^([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (!match || line.startsWith('#')) continue;
    const value = match[2].trim();
    if (/^'.*'$/.test(value) && value.length >= 2) out[match[1]] = value.slice(1, -1).replace(/'\\''/g, "'");
    else if (/^".*"$/.test(value) && value.length >= 2) out[match[1]] = value.slice(1, -1);
    else out[match[1]] = value;
  }
  return out;
}

/**
 * The CLI's environment, parsed once: DATABASE_URL (and TEMPORAL_ADDRESS or TEMPORAL_PORT, TEMPORAL_NAMESPACE for
 * `status`).
 * When DATABASE_URL is unset, the values come from `.data/demo.env` in the working directory, where `npm start`
 * (run from the project root) writes them; variables that are set win over the file.
 */
export function loadCliConfig(env: NodeJS.ProcessEnv, cwd: string): CliConfig {
  // An empty variable counts as unset.
  const given = Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => Boolean(e[1])));
  let source = 'environment';
  let values: Record<string, string> = given;
  if (!given.DATABASE_URL) {
    const file = path.resolve(cwd, DEMO_ENV_FILE);
    if (!fs.existsSync(file)) {
      throw new CliConfigError(`DATABASE_URL is not set and there is no ${DEMO_ENV_FILE}: export DATABASE_URL=postgres://… or start the stack with npm start`);
    }
    const fromFile = parseEnvFile(fs.readFileSync(file, 'utf8'));
    // The file fills in only what the environment does not say; a TEMPORAL_PORT given says where Temporal is.
    if (given.TEMPORAL_PORT) delete fromFile.TEMPORAL_ADDRESS;
    values = { ...fromFile, ...given };
    if (!values.DATABASE_URL) throw new CliConfigError(`DATABASE_URL is not set, and ${file} has no DATABASE_URL line`);
    source = file;
  }
  const result = cliConfigSchema.safeParse(values);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new CliConfigError(`${issue.path.join('.')} ${issue.message}${source === 'environment' ? '' : ` (from ${source})`}`);
  }
  return { ...result.data, source };
}
