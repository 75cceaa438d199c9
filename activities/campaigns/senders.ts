import type { Knex } from 'knex';
import { phonesRepo } from '../../db/repositories/phones';
import { effectiveRateLimit, type RateLimit } from '../../domain/pacing';
import type { Sender } from '../messaging';

/** How far ahead of now a batch reserves sender slots: bounds how long a batch runs, so pause acts within one batch. */
export const HORIZON_MS = 5_000;

/** A campaign sender with the throughput limit that paces it. */
export type PacedSender = Sender & { rate: RateLimit };

/** The campaign's senders that still exist, each with its effective rate (the phone's messages_per_second, else its type's). */
export function senderLoader(db: Knex) {
  const phones = phonesRepo(db);
  return async (workspaceId: string, ids: string[]): Promise<Map<string, PacedSender>> => {
    const out = new Map<string, PacedSender>();
    for (const id of new Set(ids)) {
      const p = (await phones.get(workspaceId, id)) as (Sender & { messages_per_second: string | null }) | undefined;
      if (!p) continue;
      const type = p.source === 'WHATSAPP_CLOUD' ? 'WHATSAPP' : p.type;
      out.set(id, { ...p, rate: effectiveRateLimit(type, p.messages_per_second) });
    }
    return out;
  };
}

