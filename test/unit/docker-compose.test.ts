import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import type { z } from 'zod';
import { workerConfigSchema } from '../../worker/config';
import { apiConfigSchema } from '../../api/config';
import { migrateConfigSchema } from '../../db/migrate';
import { parseEnv } from '../../lib/env';
import { TEMPORAL_CLI_VERSION } from '../../scripts/provision-temporal';
import { stackConfigSchema } from '../../stack/config';

/*
 * Docker is not on the machines the tests run on, so docker-compose.yml is checked against what it names: every
 * variable a service of our image gets is one its process's config schema reads and accepts, every command is a
 * package.json script, and the `temporal` service matches the layout of the temporalio/temporal image (built from
 * github.com/temporalio/cli's Dockerfile: `/usr/local/bin/temporal` as the entrypoint, the user `temporal`, whose
 * home /home/temporal is the only directory it may write).
 */
const ROOT = path.resolve(__dirname, '../..');
const read = (file: string) => fs.readFileSync(path.join(ROOT, file), 'utf8');

interface Service {
  image?: string;
  build?: string;
  entrypoint?: string[];
  user?: string;
  command?: string[];
  environment?: Record<string, string | number | boolean>;
  volumes?: string[];
  ports?: string[];
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
}

const compose = parse(read('docker-compose.yml'), { merge: true }) as { services: Record<string, Service>; volumes: Record<string, unknown> };
const scripts = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts;

/** The schema of the process each `npm run` script starts. */
const SCHEMAS: Record<string, z.ZodObject> = {
  api: apiConfigSchema,
  worker: workerConfigSchema,
  migrate: migrateConfigSchema,
  start: stackConfigSchema,
};
const known = new Set(Object.values(SCHEMAS).flatMap((s) => Object.keys(s.shape)));

/** `${VAR:-default}` as compose reads it with VAR unset; plain values as strings. */
const interpolate = (value: string | number | boolean) => String(value).replace(/\$\{\w+(?::?-([^}]*))?\}/g, (_m, fallback?: string) => fallback ?? '');

const ours = Object.entries(compose.services).filter(([, s]) => s.build === '.');
const scriptOf = (s: Service) => s.command?.[2] ?? '';

describe('docker-compose.yml: the services built from our Dockerfile', () => {
  it('are the migration, the API and the worker', () => {
    expect(ours.map(([, s]) => scriptOf(s)).sort()).toEqual(['api', 'migrate', 'worker']);
  });

  it.each(ours)('%s runs a package.json script', (_name, service) => {
    expect(service.command?.slice(0, 2)).toEqual(['npm', 'run']);
    expect(service.command).toHaveLength(3);
    expect(Object.keys(scripts)).toContain(scriptOf(service));
  });

  it.each(ours)('%s gets only variables its config schema reads, with values it accepts', (_name, service) => {
    const script = scriptOf(service);
    const env = Object.fromEntries(Object.entries(service.environment ?? {}).map(([k, v]) => [k, interpolate(v)]));
    // The migration shares the app's environment block: it may carry the others' variables, never an unknown one.
    const allowed = script === 'migrate' ? known : new Set(Object.keys(SCHEMAS[script].shape));
    expect(Object.keys(env).filter((name) => !allowed.has(name))).toEqual([]);
    expect(() => parseEnv(SCHEMAS[script], env)).not.toThrow();
  });

  it.each(['api', 'worker'])('%s gets PUBLIC_URL (simulator receipts and short links need it) and the Temporal server', (script) => {
    const [, service] = ours.find(([, s]) => scriptOf(s) === script)!;
    const env = service.environment ?? {};
    expect(URL.canParse(interpolate(env.PUBLIC_URL ?? ''))).toBe(true);
    expect(interpolate(env.TEMPORAL_ADDRESS ?? '')).toBe('temporal:7233');
    expect(service.depends_on).toMatchObject({ temporal: { condition: 'service_healthy' }, migrate: { condition: 'service_completed_successfully' } });
  });

  it('the API listens on the port it publishes and checks its health there', () => {
    const [, api] = ours.find(([, s]) => scriptOf(s) === 'api')!;
    const port = String(api.environment?.PORT);
    expect(api.ports).toContain(`${port}:${port}`);
    expect(api.healthcheck?.test.join(' ')).toContain(`127.0.0.1:${port}/api/v1/health`);
  });

  it('PUBLIC_URL names a service of this file, reachable from the worker', () => {
    const [, worker] = ours.find(([, s]) => scriptOf(s) === 'worker')!;
    const url = new URL(interpolate(worker.environment?.PUBLIC_URL ?? ''));
    const [, target] = Object.entries(compose.services).find(([name]) => name === url.hostname) ?? [];
    expect(target && scriptOf(target)).toBe('api');
    expect(url.port).toBe(String(target?.environment?.PORT));
  });
});

describe('docker-compose.yml: the temporal service', () => {
  const temporal = compose.services.temporal;
  const binary = '/usr/local/bin/temporal';

  it('runs the image of the CLI version npm install provisions, by its real binary path and user', () => {
    expect(temporal.image).toBe(`temporalio/temporal:${TEMPORAL_CLI_VERSION}`);
    expect(temporal.entrypoint).toEqual([binary]);
    expect(temporal.user).toBe('temporal');
    expect(temporal.command?.slice(0, 2)).toEqual(['server', 'start-dev']);
  });

  it('keeps its SQLite file on a volume mounted at the user’s home, the one directory it may write', () => {
    const flag = temporal.command!.indexOf('--db-filename');
    const dbFile = temporal.command![flag + 1];
    const mount = temporal.volumes?.map((v) => v.split(':')).find(([, target]) => dbFile.startsWith(`${target}/`));
    expect(mount).toEqual(['temporal-data', '/home/temporal']);
    expect(Object.keys(compose.volumes)).toContain('temporal-data');
  });

  it('listens on every interface and has a healthcheck with the same binary', () => {
    expect(temporal.command).toEqual(expect.arrayContaining(['--ip', '0.0.0.0']));
    expect(temporal.healthcheck?.test).toEqual(['CMD', binary, 'operator', 'cluster', 'health', '--address', '127.0.0.1:7233']);
  });

  it('needs no search-attribute flags: the worker registers them', () => {
    expect(temporal.command?.join(' ')).not.toContain('--search-attribute');
  });
});

describe('Dockerfile', () => {
  it('installs no Temporal CLI: the image talks to an external server', () => {
    const dockerfile = read('Dockerfile');
    const install = dockerfile.split('\n').find((l) => /^RUN .*npm ci/.test(l)) ?? '';
    expect(install).toMatch(/TEMPORAL_CLI_PROVISION=skip npm ci/);
    // postinstall runs the provisioning script, so it must be in the image before `npm ci`.
    expect(scripts.postinstall).toContain('scripts/provision-temporal.ts');
    expect(dockerfile.indexOf('COPY scripts/provision-temporal.ts')).toBeGreaterThan(-1);
    expect(dockerfile.indexOf('COPY scripts/provision-temporal.ts')).toBeLessThan(dockerfile.indexOf(install));
  });
});
