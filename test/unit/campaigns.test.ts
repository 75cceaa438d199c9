import { ALLOWED_FROM, campaignRates, extractUrls, isAllowed, seaxStatus, shortenLinks } from '../../domain/campaigns';

describe('link shortening', () => {
  it('replaces each URL, keeps sentence punctuation outside the link and reuses one link per URL', () => {
    let n = 0;
    const codes = new Map<string, string>();
    const out = shortenLinks('Sale: https://example.com/sale?x=1. Again https://example.com/sale?x=1, or (http://a.example/b)!', (url) => {
      if (!codes.has(url)) codes.set(url, `S${++n}`);
      return codes.get(url)!;
    });
    expect(out).toBe('Sale: S1. Again S1, or (S2)!');
    expect([...codes.keys()]).toEqual(['https://example.com/sale?x=1', 'http://a.example/b']);
  });

  it('leaves text without links alone', () => {
    expect(extractUrls('no links here, example.com is not a URL')).toEqual([]);
    expect(shortenLinks('plain', () => 'X')).toBe('plain');
  });
});

describe('lifecycle', () => {
  it('follows Zagely’s table', () => {
    expect(isAllowed('start', 'draft')).toBe(true);
    expect(isAllowed('pause', 'draft')).toBe(false);
    expect(isAllowed('resume', 'running')).toBe(false);
    expect(isAllowed('update', 'running')).toBe(false);
    expect(isAllowed('delete', 'canceled')).toBe(true);
    expect(ALLOWED_FROM.cancel).toEqual(['scheduled', 'running', 'paused']);
  });

  it('names statuses the SeaX way', () => {
    expect([seaxStatus('running'), seaxStatus('completed'), seaxStatus('scheduled')]).toEqual(['sending', 'finished', 'scheduled']);
  });
});

it('computes Zagely’s rates as its example does', () => {
  expect(campaignRates({ sent: 1450, delivered: 1380, read: 920 })).toEqual({ delivery_rate: 95.17, read_rate: 66.67 });
  expect(campaignRates({ sent: 0, delivered: 0, read: 0 })).toEqual({ delivery_rate: 0, read_rate: 0 });
});
