import pino from 'pino';
import type { Logger } from '../lib/logger';

const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO ', 40: 'WARN ', 50: 'ERROR', 60: 'FATAL' };
const useColour = process.stdout.isTTY && !('NO_COLOR' in process.env);
const paint = (code: number, s: string) => (useColour ? `\x1b[${code}m${s}\x1b[0m` : s);
const LEVEL_COLOURS: Record<number, number> = { 10: 90, 20: 90, 30: 32, 40: 33, 50: 31, 60: 31 };

/** One pino JSON line as `12:00:01 INFO  [api] message key=value`, so `npm start` reads well in a terminal. */
export function formatLine(line: string): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line.endsWith('\n') ? line : `${line}\n`;
  }
  const { level, time, name, msg, err, ...rest } = entry;
  const lvl = typeof level === 'number' ? level : 30;
  const clock = (typeof time === 'string' ? new Date(time) : new Date()).toLocaleTimeString('en-GB', { hour12: false });
  const fields = Object.entries(rest)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ');
  let out = `${paint(90, clock)} ${paint(LEVEL_COLOURS[lvl] ?? 0, LEVELS[lvl] ?? String(lvl))} ${paint(36, `[${String(name ?? '-')}]`)} ${String(msg ?? '')}`;
  if (fields) out += ` ${paint(90, fields)}`;
  if (err && typeof err === 'object') {
    const e = err as { message?: string; stack?: string };
    out += `\n${lvl >= 50 && e.stack ? e.stack : (e.message ?? JSON.stringify(err))}`;
  }
  return `${out}\n`;
}

/** A pino logger for the stack's own processes (stack, api, worker) printing readable lines to stdout. */
export function createStackLogger(name: string, level: string): Logger {
  return pino(
    { name, level, base: undefined, timestamp: pino.stdTimeFunctions.isoTime },
    { write: (line: string) => void process.stdout.write(formatLine(line)) },
  );
}
