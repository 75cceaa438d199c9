/**
 * Campaign rules shared by the API, the activities and the workflow: the lifecycle, the dialects' status names and
 * link shortening. Pure (no I/O), safe in the workflow sandbox.
 */

export type CampaignStatus = 'draft' | 'scheduled' | 'running' | 'paused' | 'completed' | 'canceled' | 'failed';
export type CampaignAction = 'start' | 'pause' | 'resume' | 'cancel' | 'update' | 'delete';

/** Zagely's lifecycle table: which statuses each action is allowed from. Anything else is a 409 naming the status. */
export const ALLOWED_FROM: Readonly<Record<CampaignAction, readonly CampaignStatus[]>> = {
  start: ['draft', 'scheduled', 'paused'],
  pause: ['running'],
  resume: ['paused'],
  cancel: ['scheduled', 'running', 'paused'],
  update: ['draft', 'scheduled'],
  delete: ['draft', 'scheduled', 'canceled'],
};

export const isAllowed = (action: CampaignAction, status: CampaignStatus): boolean => ALLOWED_FROM[action].includes(status);

/** SeaX's names: a running campaign is "sending" and a completed one "finished" (the documented examples). */
export function seaxStatus(status: CampaignStatus): string {
  return status === 'running' ? 'sending' : status === 'completed' ? 'finished' : status;
}

/** SeaX campaign types and our channels. AI_AGENT campaigns are the voice dialer's (not here). */
export const SEAX_CAMPAIGN_TYPES = { SMS: 'sms', MMS: 'mms', WHATSAPP_BUSINESS_PLATFORM_MESSAGE: 'whatsapp' } as const;
export type SeaxCampaignType = keyof typeof SEAX_CAMPAIGN_TYPES;
export type CampaignChannel = (typeof SEAX_CAMPAIGN_TYPES)[SeaxCampaignType];

export const seaxCampaignType = (channel: CampaignChannel): SeaxCampaignType =>
  (Object.keys(SEAX_CAMPAIGN_TYPES) as SeaxCampaignType[]).find((k) => SEAX_CAMPAIGN_TYPES[k] === channel)!;

// http(s) URLs up to whitespace; trailing punctuation that ends a sentence is not part of the link.
const URL_PATTERN = /\bhttps?:\/\/[^\s<>"']+/gi;
const TRAILING = /[.,;:!?)\]}'"]+$/;

/** The distinct URLs of a message, in order of appearance. */
export function extractUrls(text: string): string[] {
  const seen = new Set<string>();
  for (const m of text.matchAll(URL_PATTERN)) seen.add(m[0].replace(TRAILING, ''));
  return [...seen];
}

/** Replace each URL of `text` by the short link `shorten` gives for it (the same URL twice → the same link). */
export function shortenLinks(text: string, shorten: (url: string) => string): string {
  return text.replace(URL_PATTERN, (match) => {
    const url = match.replace(TRAILING, '');
    return shorten(url) + match.slice(url.length);
  });
}

/**
 * Zagely's rates, as its example computes them (1380 of 1450 sent → 95.17; 920 of 1380 delivered → 66.67):
 * delivery_rate = delivered / sent, read_rate = read / delivered, percentages with two decimals, 0 over nothing.
 */
export function campaignRates(s: { sent: number; delivered: number; read: number }): { delivery_rate: number; read_rate: number } {
  const pct = (n: number, of: number) => (of > 0 ? Math.round((n / of) * 10000) / 100 : 0);
  return { delivery_rate: pct(s.delivered, s.sent), read_rate: pct(s.read, s.delivered) };
}
