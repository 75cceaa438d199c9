/**
 * Outbound URL guard (SSRF): URLs a client hands us (media URLs, later webhook URLs) must not make the server reach
 * private, loopback, link-local or cloud-metadata addresses. Two checks, because DNS can change between them:
 *  - `checkUrl` at registration: http/https only; every address the name resolves to must be public.
 *  - `guardedAgent` / `guardedFetch` at connect time: the undici connector resolves the name itself and refuses a
 *    private result (and IP literals, which skip DNS), so a name that re-resolves to 127.0.0.1 after registration
 *    (DNS rebinding) fails before any byte is sent. Redirects go through the same connector.
 * Hosts and CIDRs in `OUTBOUND_ALLOWED_HOSTS` (parsed by `parseAllowList`) are exempt; tests use it for loopback fakes.
 */
import dns from 'node:dns';
import net from 'node:net';
import ipaddr from 'ipaddr.js';
import { Agent, buildConnector, fetch as undiciFetch, type Dispatcher } from 'undici';
import { z } from 'zod';

type Address = ipaddr.IPv4 | ipaddr.IPv6;

export interface AllowList {
  /** Exact host names (lower case, IPv6 without brackets). */
  hosts: Set<string>;
  cidrs: [Address, number][];
}

export const EMPTY_ALLOW_LIST: AllowList = { hosts: new Set(), cidrs: [] };

/** Parse `OUTBOUND_ALLOWED_HOSTS`: comma-separated host names, IP addresses or CIDRs. Throws on a malformed CIDR. */
export function parseAllowList(raw: string | undefined): AllowList {
  const out: AllowList = { hosts: new Set(), cidrs: [] };
  for (const entry of (raw ?? '').split(',').map((s) => s.trim().toLowerCase()).filter(Boolean)) {
    if (entry.includes('/')) {
      out.cidrs.push(ipaddr.parseCIDR(entry));
      continue;
    }
    const host = entry.replace(/^\[(.*)\]$/, '$1');
    out.hosts.add(host);
    if (ipaddr.isValid(host)) {
      const addr = ipaddr.parse(host);
      out.cidrs.push([addr, addr.kind() === 'ipv4' ? 32 : 128]);
    }
  }
  return out;
}

/** True when the allow-list names this host exactly (case-insensitive). */
export function isAllowedHost(host: string, allow: AllowList): boolean {
  return allow.hosts.has(host.toLowerCase().replace(/^\[(.*)\]$/, '$1'));
}

function inAllowedCidr(addr: Address, allow: AllowList): boolean {
  return allow.cidrs.some(([net, bits]) => net.kind() === addr.kind() && addr.match(net, bits));
}

/**
 * Why an address may not be reached, or undefined when it is public unicast. Anything ipaddr.js does not call
 * `unicast` is refused (private, loopback, link-local incl. 169.254.169.254, CGNAT, 0/8, multicast, reserved,
 * unique-local incl. fd00:ec2::254, …). IPv6 forms that embed an IPv4 address (mapped ::ffff:a.b.c.d, compatible
 * ::a.b.c.d, NAT64 64:ff9b::/96, 6to4, Teredo) are refused too: they can reach IPv4 hosts behind the check.
 */
export function blockedReason(address: string): string | undefined {
  if (!ipaddr.isValid(address)) return 'not an IP address';
  let addr: Address = ipaddr.parse(address);
  if (addr.kind() === 'ipv6') {
    const v6 = addr as ipaddr.IPv6;
    if (v6.isIPv4MappedAddress()) {
      const reason = blockedReason(v6.toIPv4Address().toString());
      return reason ? `IPv4-mapped ${reason}` : undefined;
    }
    const parts = v6.parts;
    if (parts.slice(0, 6).every((p) => p === 0) && !(parts[6] === 0 && parts[7] <= 1)) return 'IPv4-compatible IPv6';
    addr = v6;
  }
  const range = addr.range();
  return range === 'unicast' ? undefined : range;
}

/** Whether `address` may be connected to: public, or inside an allowed CIDR. */
export function isAllowedAddress(address: string, allow: AllowList = EMPTY_ALLOW_LIST): boolean {
  if (!ipaddr.isValid(address)) return false;
  const parsed = ipaddr.process(address);
  return inAllowedCidr(parsed, allow) || inAllowedCidr(ipaddr.parse(address), allow) || blockedReason(address) === undefined;
}

/** A refused URL; `reason` is safe to show to the client. */
export class OutboundUrlError extends Error {
  readonly code = 'EOUTBOUNDURL';
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'OutboundUrlError';
  }
}

export type LookupAll = (hostname: string) => Promise<{ address: string; family: number }[]>;

const systemLookupAll: LookupAll = (hostname) => dns.promises.lookup(hostname, { all: true, verbatim: true });

function refuseAddresses(host: string, addresses: string[], allow: AllowList): void {
  if (!addresses.length) throw new OutboundUrlError(`${host} does not resolve`);
  for (const a of addresses) {
    if (!isAllowedAddress(a, allow)) throw new OutboundUrlError(`${host} resolves to a non-public address (${blockedReason(a)})`);
  }
}

/**
 * Registration-time check: throws OutboundUrlError unless `url` is http(s) and its host is allow-listed or every
 * address it resolves to is public. `lookup` is injectable for tests (the default is the system resolver).
 */
export async function checkUrl(url: string, allow: AllowList = EMPTY_ALLOW_LIST, opts: { lookup?: LookupAll } = {}): Promise<void> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new OutboundUrlError('is not a valid URL');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new OutboundUrlError('must be an http(s) URL');
  if (parsed.username || parsed.password) throw new OutboundUrlError('must not carry credentials');
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  if (isAllowedHost(host, allow)) return;
  if (net.isIP(host)) return refuseAddresses(host, [host], allow);
  let addresses: string[];
  try {
    addresses = (await (opts.lookup ?? systemLookupAll)(host)).map((a) => a.address);
  } catch {
    throw new OutboundUrlError(`${host} does not resolve`);
  }
  refuseAddresses(host, addresses, allow);
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | dns.LookupAddress[], family?: number) => void;

/**
 * A `net.connect` lookup that resolves through `resolve` and refuses the connection when any result is not allowed
 * (one private answer among public ones is enough to refuse: the socket could pick it).
 */
export function guardedLookup(allow: AllowList, resolve: LookupAll = systemLookupAll) {
  return (hostname: string, options: dns.LookupOptions | number | LookupCallback, maybeCb?: LookupCallback): void => {
    const cb = (typeof options === 'function' ? options : maybeCb) as LookupCallback;
    const opts: dns.LookupOptions = typeof options === 'object' ? options : {};
    resolve(hostname).then(
      (results) => {
        const family = opts.family === 4 || opts.family === 6 ? opts.family : undefined;
        const wanted = family ? results.filter((r) => r.family === family) : results;
        try {
          if (!isAllowedHost(hostname, allow)) refuseAddresses(hostname, results.map((r) => r.address), allow);
        } catch (err) {
          return cb(err as NodeJS.ErrnoException, opts.all ? [] : '', 0);
        }
        if (!wanted.length) return cb(Object.assign(new Error(`${hostname} has no ${family ? `IPv${family} ` : ''}address`), { code: 'ENOTFOUND' }), '', 0);
        if (opts.all) return cb(null, wanted);
        cb(null, wanted[0].address, wanted[0].family);
      },
      (err: NodeJS.ErrnoException) => cb(err, opts.all ? [] : '', 0),
    );
  };
}

/**
 * An undici dispatcher that applies the guard at connect time: names go through `guardedLookup`, and IP-literal
 * hosts (which never reach a lookup) are checked before connecting.
 */
export function guardedAgent(allow: AllowList, opts: { lookup?: LookupAll; connectTimeoutMs?: number } = {}): Agent {
  const connector = buildConnector({ lookup: guardedLookup(allow, opts.lookup), timeout: opts.connectTimeoutMs ?? 10_000 });
  return new Agent({
    connect: (options, callback) => {
      const host = options.hostname.replace(/^\[(.*)\]$/, '$1');
      if (net.isIP(host) && !isAllowedHost(host, allow) && !isAllowedAddress(host, allow)) {
        callback(new OutboundUrlError(`${host} is a non-public address (${blockedReason(host)})`), null);
        return;
      }
      connector(options, callback);
    },
  });
}

export type GuardedFetch = (input: string | URL, init?: Parameters<typeof undiciFetch>[1]) => ReturnType<typeof undiciFetch>;

/** `fetch` bound to a guarded dispatcher: for activities that call user-supplied URLs (webhooks, media). */
export function guardedFetch(allow: AllowList, opts: { lookup?: LookupAll; dispatcher?: Dispatcher } = {}): GuardedFetch {
  const dispatcher = opts.dispatcher ?? guardedAgent(allow, { lookup: opts.lookup });
  return (input, init) => undiciFetch(input, { ...init, dispatcher });
}

/** The OutboundUrlError behind a failed guarded fetch (undici wraps connect errors as `cause`), if that was why. */
export function outboundUrlErrorOf(err: unknown): OutboundUrlError | undefined {
  for (let e = err as { cause?: unknown } | undefined, i = 0; e && i < 5; e = e.cause as typeof e, i++) {
    if (e instanceof OutboundUrlError) return e;
  }
  return undefined;
}

/** `OUTBOUND_ALLOWED_HOSTS` as both processes parse it: comma-separated hosts, IPs or CIDRs; a bad CIDR fails startup. */
export const outboundAllowedHostsEnv = z
  .string()
  .optional()
  .refine(
    (v) => {
      try {
        parseAllowList(v);
        return true;
      } catch {
        return false;
      }
    },
    { message: 'must be comma-separated host names, IP addresses or CIDRs (e.g. fakes.test,127.0.0.0/8)' },
  );
