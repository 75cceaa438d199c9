import crypto from 'node:crypto';
import type { CallbackRequest, CallbackVerifier } from '../callbacks';
import { header, rawBodyString } from '../http';
import type { NormalizedEvent } from '../types';

/*
 * The simulator's receipts cross from the worker to the API over HTTP, through the same callback path real
 * providers use: a JSON body of normalized events signed with HMAC-SHA256 (`x-simulator-signature`).
 */

export const simulatorSignature = (secret: string, body: Buffer | string): string => crypto.createHmac('sha256', secret).update(body).digest('hex');

/** Serializes events for an HTTP hop to the callback route (JSON body + `x-simulator-signature`). */
export function encodeSimulatorEvents(events: NormalizedEvent[], secret: string): { body: string; headers: Record<string, string> } {
  const body = JSON.stringify({ events });
  return { body, headers: { 'content-type': 'application/json', 'x-simulator-signature': simulatorSignature(secret, body) } };
}

export function decodeSimulatorEvents(body: string): NormalizedEvent[] {
  let parsed: { events?: unknown };
  try {
    parsed = JSON.parse(body) as { events?: unknown };
  } catch {
    return [];
  }
  if (!Array.isArray(parsed.events)) return [];
  return parsed.events
    .filter((e): e is NormalizedEvent & { occurredAt: string } => !!e && typeof e === 'object' && ['status', 'inbound', 'call'].includes((e as { type?: string }).type ?? ''))
    .map((e) => ({ ...e, occurredAt: new Date(e.occurredAt) }));
}

/** The verifier for simulator callbacks signed with `secret`. */
export function simulatorCallbacks(secret: string): CallbackVerifier {
  return {
    provider: 'SIMULATOR',
    verify(req) {
      const given = header(req.headers, 'x-simulator-signature');
      if (!given) return false;
      const expected = Buffer.from(simulatorSignature(secret, req.rawBody));
      const actual = Buffer.from(given);
      return expected.length === actual.length && crypto.timingSafeEqual(expected, actual);
    },
    parse: (req: CallbackRequest) => decodeSimulatorEvents(rawBodyString(req.rawBody)),
  };
}
