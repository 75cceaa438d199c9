import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { findTemporalCli, provisionTemporalCli } from '../../scripts/provision-temporal';

/*
 * What `npm install` decides before it installs anything (the installs themselves are exercised by a fresh clone and
 * CI): the first CLI that runs wins, a stale shim does not, and nothing is installed when none is needed. The CLIs
 * here are tiny shell scripts standing in for `temporal --version`.
 */
let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'provision-temporal-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A `temporal` in a directory of its own that exits with `code` (a pyenv shim without the package exits 127). */
function fakeCli(name: string, code: number): string {
  const bin = path.join(dir, name);
  fs.mkdirSync(bin, { recursive: true });
  const file = path.join(bin, 'temporal');
  fs.writeFileSync(file, `#!/bin/sh\necho "temporal version 1.9.1"\nexit ${code}\n`, { mode: 0o755 });
  return file;
}

const quiet = () => {
  jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
  jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
};
afterEach(() => jest.restoreAllMocks());

describe('findTemporalCli', () => {
  it('takes the first `temporal` on PATH that runs, skipping a stale shim', () => {
    const stale = fakeCli('stale', 127);
    const good = fakeCli('good', 0);
    const later = fakeCli('later', 0);
    expect(findTemporalCli(undefined, [path.dirname(stale), path.dirname(good), path.dirname(later)].join(path.delimiter))).toBe(good);
  });

  it('takes TEMPORAL_CLI_PATH as given, and names it when the file is missing', () => {
    const good = fakeCli('explicit', 0);
    expect(findTemporalCli(good, '')).toBe(good);
    expect(() => findTemporalCli(path.join(dir, 'nope'), '')).toThrow(`TEMPORAL_CLI_PATH: no file at ${path.join(dir, 'nope')}`);
  });
});

describe('provisionTemporalCli installs nothing when nothing is needed', () => {
  const base = { TEMPORAL_CLI_PROVISION: 'auto' as const, PATH: '' };

  it('uses a working CLI on PATH', () => {
    quiet();
    const good = fakeCli('on-path', 0);
    expect(provisionTemporalCli({ ...base, PATH: path.dirname(good) })).toBe(good);
  });

  it('uses TEMPORAL_CLI_PATH when it runs; a broken one is reported, not replaced', () => {
    quiet();
    const good = fakeCli('explicit-ok', 0);
    expect(provisionTemporalCli({ ...base, TEMPORAL_CLI_PATH: good })).toBe(good);
    const broken = fakeCli('explicit-broken', 1);
    expect(provisionTemporalCli({ ...base, TEMPORAL_CLI_PATH: broken })).toBeUndefined();
    expect(process.stderr.write).toHaveBeenCalledWith(expect.stringContaining(`TEMPORAL_CLI_PATH=${broken} does not run`));
  });

  it('installs nothing for an external server (TEMPORAL_ADDRESS) or with TEMPORAL_CLI_PROVISION=skip', () => {
    quiet();
    const stale = fakeCli('stale-only', 127);
    expect(provisionTemporalCli({ ...base, PATH: path.dirname(stale), TEMPORAL_ADDRESS: 'temporal.example.com:7233' })).toBeUndefined();
    expect(provisionTemporalCli({ ...base, PATH: path.dirname(stale), TEMPORAL_CLI_PROVISION: 'skip' })).toBeUndefined();
    expect(process.stdout.write).toHaveBeenCalledWith(expect.stringContaining('an external Temporal server, so no Temporal CLI is needed'));
  });
});
