import { checkUrl, OutboundUrlError, parseAllowList, type AllowList, type LookupAll } from '../lib/outbound-url';
import { InvalidError } from './errors';

/**
 * Registration-time SSRF guard for the API: every user-supplied URL the server (or a carrier on our behalf) will
 * fetch is checked before anything is stored; a refusal is a 422 naming the field (`media_urls.0`, `media_url`).
 */
export function outboundUrlGuard(allowedHosts: string | undefined, opts: { lookup?: LookupAll } = {}) {
  const allow: AllowList = parseAllowList(allowedHosts);
  return async function assertPublicUrls(urls: { field: string; url: string }[]): Promise<void> {
    const errors: Record<string, string[]> = {};
    await Promise.all(
      urls.map(async ({ field, url }) => {
        try {
          await checkUrl(url, allow, opts);
        } catch (err) {
          if (!(err instanceof OutboundUrlError)) throw err;
          errors[field] = [`The ${field} field is not an allowed URL: ${err.reason}.`];
        }
      }),
    );
    if (Object.keys(errors).length) throw new InvalidError(errors);
  };
}
