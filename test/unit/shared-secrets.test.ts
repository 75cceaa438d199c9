import { createHash } from 'node:crypto';
import { exportLinkSecret } from '../../lib/export-link';
import { simulatorCallbackSecret } from '../../lib/simulator-secret';

const DATABASE_URL = 'postgres://postgres:switchboard@127.0.0.1:15432/switchboard';
const KEY = 'a'.repeat(64);
/** What the secrets used to be: anyone who knows (or guesses) the database URL could compute them. */
const fromUrl = (label: string) => createHash('sha256').update(`switchboard-${label}:${DATABASE_URL}`).digest('hex');

describe('the simulator and export-link secrets', () => {
  it('are what is configured, when it is', () => {
    expect(simulatorCallbackSecret({ SIMULATOR_CALLBACK_SECRET: 'configured-simulator-secret', DATABASE_URL } as never)).toBe('configured-simulator-secret');
    expect(exportLinkSecret({ EXPORT_LINK_SECRET: 'configured-export-secret', DATABASE_URL } as never)).toBe('configured-export-secret');
  });

  it('are never derived from the database URL', () => {
    for (const config of [{ DATABASE_URL }, { DATABASE_URL, CREDENTIALS_ENCRYPTION_KEY: KEY }]) {
      expect(simulatorCallbackSecret(config as never)).not.toBe(fromUrl('simulator-callback'));
      expect(exportLinkSecret(config as never)).not.toBe(fromUrl('export-link'));
    }
  });

  it('derive from the credentials key when unset, so the API and the worker agree, and differ from each other', () => {
    const a = simulatorCallbackSecret({ CREDENTIALS_ENCRYPTION_KEY: KEY } as never);
    expect(simulatorCallbackSecret({ CREDENTIALS_ENCRYPTION_KEY: `${KEY},${'b'.repeat(64)}` } as never)).toBe(a);
    expect(exportLinkSecret({ CREDENTIALS_ENCRYPTION_KEY: KEY } as never)).not.toBe(a);
    expect(simulatorCallbackSecret({ CREDENTIALS_ENCRYPTION_KEY: 'c'.repeat(64) } as never)).not.toBe(a);
  });

  it('are random for this process when there is nothing secret to derive them from', () => {
    const first = simulatorCallbackSecret({ DATABASE_URL } as never);
    expect(first).toMatch(/^[0-9a-f]{64}$/);
    expect(simulatorCallbackSecret({ DATABASE_URL: 'postgres://other/db' } as never)).toBe(first);
  });
});
