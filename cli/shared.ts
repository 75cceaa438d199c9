import type { Knex } from 'knex';
import type { ParseArgsConfig } from 'node:util';
import type { CliConfig } from './config';

/*
 * What every command module shares. It loads nothing at run time (types and two small helpers), so that main.ts
 * can load a command's own dependencies only when that command runs: `--help` starts in a tenth of a second.
 */

/** Where the CLI writes and what it reads: the process's by default, a test's when it calls main() itself. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** The terminal's width when stdout is one: `watch` then redraws one line instead of printing a line per change. */
  columns?: number;
}

/** A failure with a one-line message; `usage` failures exit 2, the rest 1. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly usage = false,
  ) {
    super(message);
  }
}

export type Options = NonNullable<ParseArgsConfig['options']>;
export type Values = Record<string, string | boolean | undefined>;

export interface Context {
  values: Values;
  /** The positional arguments the command declares (`args`), in order. */
  args: string[];
  io: CliIo;
  json: boolean;
  config(): CliConfig;
  db(): Knex;
}

export interface Command {
  usage: string;
  summary: string;
  options: Options;
  /** Names of required positional arguments (e.g. `['id']` for `campaign show <id>`). */
  args?: string[];
  run(ctx: Context): Promise<number | void>;
}

/** Left-aligned columns. */
export function table(rows: string[][]): string[] {
  const widths = rows.reduce<number[]>((w, row) => row.map((cell, i) => Math.max(w[i] ?? 0, cell.length)), []);
  return rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]))).join('  ').trimEnd());
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A required id (UUID) given as `name` (a flag such as `--workspace`, or `<id>`); `what` names the kind of id. */
export function uuidArg(value: string | boolean | undefined, name: string, what: string): string {
  if (value === undefined || value === '') throw new CliError(`${name} is required (a ${what} id)`, true);
  if (!UUID.test(String(value))) throw new CliError(`${name} must be a ${what} id (a UUID), got '${String(value)}'`, true);
  return String(value);
}
