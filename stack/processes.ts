import { execFileSync } from 'node:child_process';
import fs from 'node:fs';

/**
 * Process helpers for servers a crashed run may have left behind. PostgreSQL and the Temporal dev server are
 * child processes of the stack; when the stack is killed with SIGKILL (or crashes hard) they keep running,
 * re-parented to init or a subreaper, holding their ports and data files.
 */
/** A start-up problem the user can fix; its message says how, so no stack trace is printed. */
export class StackError extends Error {
  override name = 'StackError';
}

export interface ProcessInfo {
  pid: number;
  ppid: number;
  command: string;
}

/** A live process's parent pid and command line (/proc on Linux, `ps` elsewhere); undefined when it is gone. */
export function processInfo(pid: number): ProcessInfo | undefined {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return undefined;
  }
  try {
    const command = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    // A zombie (exited, not yet reaped) has an empty command line: treat it as gone.
    return command ? { pid, ppid, command } : undefined;
  } catch {
    return listProcesses().find((p) => p.pid === pid);
  }
}

/** Every process we can see, with parent pid and command line. */
export function listProcesses(): ProcessInfo[] {
  if (fs.existsSync('/proc/self/cmdline')) {
    return fs
      .readdirSync('/proc')
      .filter((d) => /^\d+$/.test(d))
      .map((d) => {
        try {
          return processInfo(Number(d));
        } catch {
          return undefined;
        }
      })
      .filter((p): p is ProcessInfo => !!p);
  }
  try {
    return execFileSync('ps', ['-axo', 'pid=,ppid=,command='], { encoding: 'utf8' })
      .split('\n')
      .map((line) => /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(line))
      .filter((m): m is RegExpExecArray => !!m)
      .map((m) => ({ pid: Number(m[1]), ppid: Number(m[2]), command: m[3] }));
  } catch {
    return [];
  }
}

/** The Node process (a stack, a test run) that owns `proc`, if its parent is one; otherwise `proc` is an orphan. */
export function owningNodeProcess(proc: ProcessInfo): ProcessInfo | undefined {
  const parent = proc.ppid > 1 ? processInfo(proc.ppid) : undefined;
  return parent && /\b(node|tsx|jest)\b/.test(parent.command) ? parent : undefined;
}

/** Send `signal` and wait up to `timeoutMs` for the process to go; true when it is gone. */
export async function stopProcess(pid: number, signal: NodeJS.Signals, timeoutMs: number): Promise<boolean> {
  try {
    process.kill(pid, signal);
  } catch {
    return true;
  }
  const deadline = Date.now() + timeoutMs;
  while (processInfo(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  return !processInfo(pid);
}
