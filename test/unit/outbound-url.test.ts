import http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  blockedReason,
  checkUrl,
  guardedFetch,
  isAllowedAddress,
  OutboundUrlError,
  outboundUrlErrorOf,
  parseAllowList,
  type LookupAll,
} from '../../lib/outbound-url';

const fixed = (...addresses: string[]): LookupAll => async () => addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));

describe('blockedReason', () => {
  it.each([
    ['10.0.0.1'], ['10.255.255.255'], ['172.16.0.1'], ['172.31.255.254'], ['192.168.1.1'],
    ['127.0.0.1'], ['127.10.0.5'], ['169.254.0.1'], ['169.254.169.254'], ['0.0.0.0'], ['0.1.2.3'],
    ['100.64.0.1'], ['100.127.255.254'], ['224.0.0.1'], ['255.255.255.255'],
    ['::1'], ['::'], ['fe80::1'], ['febf::1'], ['fc00::1'], ['fd12:3456::1'], ['fd00:ec2::254'],
    ['::ffff:127.0.0.1'], ['::ffff:7f00:1'], ['::ffff:10.0.0.1'], ['::ffff:169.254.169.254'], ['::ffff:192.168.0.1'],
    ['::127.0.0.1'], ['64:ff9b::a00:1'], ['2002:7f00:1::'], ['ff02::1'],
  ])('refuses %s', (addr) => {
    expect(blockedReason(addr)).toBeDefined();
    expect(isAllowedAddress(addr)).toBe(false);
  });

  it.each([['8.8.8.8'], ['93.184.216.34'], ['172.32.0.1'], ['172.15.255.255'], ['100.128.0.1'], ['11.0.0.1'], ['2606:4700::1111'], ['::ffff:8.8.8.8']])(
    'accepts public %s',
    (addr) => {
      expect(blockedReason(addr)).toBeUndefined();
      expect(isAllowedAddress(addr)).toBe(true);
    },
  );
});

describe('parseAllowList / isAllowedAddress', () => {
  const allow = parseAllowList(' Fake.Local , 10.1.0.0/16, fd00::/8, 127.0.0.1 ,[::1]');
  it('takes hosts lower-cased and CIDRs (bare IPs as single-address CIDRs)', () => {
    expect([...allow.hosts]).toEqual(['fake.local', '127.0.0.1', '::1']);
    expect(isAllowedAddress('10.1.2.3', allow)).toBe(true);
    expect(isAllowedAddress('10.2.0.1', allow)).toBe(false);
    expect(isAllowedAddress('fd12::1', allow)).toBe(true);
    expect(isAllowedAddress('127.0.0.1', allow)).toBe(true);
    expect(isAllowedAddress('127.0.0.2', allow)).toBe(false);
    expect(isAllowedAddress('::ffff:10.1.0.9', allow)).toBe(true);
    expect(isAllowedAddress('::1', allow)).toBe(true);
  });
  it('rejects a malformed CIDR', () => expect(() => parseAllowList('10.0.0.0/99')).toThrow());
  it('is empty for an unset variable', () => expect(parseAllowList(undefined)).toEqual({ hosts: new Set(), cidrs: [] }));
});

describe('checkUrl', () => {
  const none = parseAllowList('');
  it('refuses non-http schemes, credentials and junk', async () => {
    await expect(checkUrl('file:///etc/passwd', none)).rejects.toThrow(OutboundUrlError);
    await expect(checkUrl('gopher://x/', none)).rejects.toThrow(/http/);
    await expect(checkUrl('http://u:p@example.com/', none, { lookup: fixed('8.8.8.8') })).rejects.toThrow(/credentials/);
    await expect(checkUrl('not a url', none)).rejects.toThrow(OutboundUrlError);
  });
  it('refuses IP literals in private ranges without DNS', async () => {
    for (const u of ['http://127.0.0.1/x.jpg', 'http://[::1]/', 'http://169.254.169.254/latest/meta-data', 'http://[::ffff:127.0.0.1]/', 'http://0x7f000001/', 'http://2130706433/']) {
      await expect(checkUrl(u, none, { lookup: fixed('8.8.8.8') })).rejects.toThrow(OutboundUrlError);
    }
  });
  it('refuses a name when any resolved address is private', async () => {
    await expect(checkUrl('https://media.example/x.jpg', none, { lookup: fixed('8.8.8.8', '10.0.0.5') })).rejects.toThrow(/non-public/);
    await expect(checkUrl('https://media.example/x.jpg', none, { lookup: fixed('8.8.8.8', '2606:4700::1') })).resolves.toBeUndefined();
  });
  it('refuses a name that does not resolve', async () => {
    const failing: LookupAll = async () => {
      throw Object.assign(new Error('nope'), { code: 'ENOTFOUND' });
    };
    await expect(checkUrl('https://nowhere.invalid/', none, { lookup: failing })).rejects.toThrow(/does not resolve/);
  });
  it('lets allow-listed hosts and CIDRs through', async () => {
    const allow = parseAllowList('Fakes.Test,127.0.0.0/8');
    await expect(checkUrl('http://fakes.test/x', allow, { lookup: fixed('10.0.0.1') })).resolves.toBeUndefined();
    await expect(checkUrl('http://127.0.0.1:8080/x.jpg', allow)).resolves.toBeUndefined();
    await expect(checkUrl('http://other.test/x', allow, { lookup: fixed('127.0.0.9') })).resolves.toBeUndefined();
    await expect(checkUrl('http://other.test/x', allow, { lookup: fixed('192.168.0.1') })).rejects.toThrow(OutboundUrlError);
  });
});

describe('guardedFetch (connect-time check)', () => {
  let server: http.Server;
  let port: number;
  beforeAll(async () => {
    server = http.createServer((_req, res) => res.end('secret'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('fails a name that passed registration but re-resolves to loopback (DNS rebinding)', async () => {
    let calls = 0;
    const rebinding: LookupAll = async () => [{ address: calls++ === 0 ? '93.184.216.34' : '127.0.0.1', family: 4 }];
    const allow = parseAllowList('');
    await expect(checkUrl(`http://rebind.test:${port}/`, allow, { lookup: rebinding })).resolves.toBeUndefined();
    const err = await guardedFetch(allow, { lookup: rebinding })(`http://rebind.test:${port}/`).catch((e: unknown) => e);
    expect(outboundUrlErrorOf(err)?.reason).toMatch(/rebind\.test resolves to a non-public address \(loopback\)/);
  });

  it('fails an IP literal at connect time', async () => {
    const err = await guardedFetch(parseAllowList(''))(`http://127.0.0.1:${port}/`).catch((e: unknown) => e);
    expect(outboundUrlErrorOf(err)).toBeInstanceOf(OutboundUrlError);
  });

  it('connects when the resolved address or host is allow-listed', async () => {
    const toLoopback: LookupAll = async () => [{ address: '127.0.0.1', family: 4 }];
    const viaCidr = await guardedFetch(parseAllowList('127.0.0.0/8'), { lookup: toLoopback })(`http://fake.test:${port}/`);
    expect(await viaCidr.text()).toBe('secret');
    const viaHost = await guardedFetch(parseAllowList('FAKE.test'), { lookup: toLoopback })(`http://fake.test:${port}/`);
    expect(await viaHost.text()).toBe('secret');
    const literal = await guardedFetch(parseAllowList('127.0.0.1'))(`http://127.0.0.1:${port}/`);
    expect(await literal.text()).toBe('secret');
  });
});
