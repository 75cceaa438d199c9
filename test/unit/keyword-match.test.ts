import fc from 'fast-check';
import {
  editDistance,
  findMatches,
  fuzzyMaxDistance,
  matchKeyword,
  matchRule,
  type KeywordRule,
} from '../../domain/keyword-match';

let seq = 0;
const rule = (keyword: string, mode: KeywordRule['mode'], extra: Partial<KeywordRule> = {}): KeywordRule => ({
  id: `r${String(++seq).padStart(3, '0')}`,
  keyword,
  mode,
  priority: 0,
  enabled: true,
  ...extra,
});

describe('exact', () => {
  const r = rule('price', 'exact');
  it.each(['price', 'PRICE', '  Price  ', 'Price?', 'price!!', '¿price?', 'ｐｒｉｃｅ'])('%p matches', (msg) => {
    expect(matchRule(r, msg)).toMatchObject({ kind: 'exact', distance: 0 });
  });
  it.each(['prices', 'the price', 'price please', 'prcie', ''])('%p does not', (msg) => {
    expect(matchRule(r, msg)).toBeNull();
  });
  it('compares multi-word keywords word by word', () => {
    expect(matchRule(rule('opt-in deal', 'exact'), 'Opt in   DEAL!')).toMatchObject({ kind: 'exact' });
    expect(matchRule(rule('business hours', 'exact'), 'business\nhours')).toMatchObject({ kind: 'exact' });
  });
  it('compares symbol-only keywords as text', () => {
    expect(matchRule(rule('👍', 'exact'), ' 👍 ')).toMatchObject({ kind: 'exact' });
    expect(matchRule(rule('👍', 'exact'), 'ok 👍')).toBeNull();
    expect(matchRule(rule('👍', 'contains'), 'ok 👍')).toMatchObject({ kind: 'contains' });
  });
});

describe('contains (whole words)', () => {
  const r = rule('price', 'contains');
  it.each(["what's the price?", 'PRICE list', 'the price', 'price', 'price-list', 'prix/price'])('%p matches', (msg) => {
    expect(matchRule(r, msg)).not.toBeNull();
  });
  it.each(['prices', 'priceless', 'overprice', 'pricey', 'p r i c e'])('%p does not (no substring of another word)', (msg) => {
    expect(matchRule(r, msg)).toBeNull();
  });
  it('matches multi-word keywords as consecutive words', () => {
    const rm = rule('remove me', 'contains');
    expect(matchRule(rm, 'please remove me now')).toMatchObject({ kind: 'contains', matchedText: 'remove me' });
    expect(matchRule(rm, 'remove it from me')).toBeNull();
  });
  it('reports an exact match when the whole message is the keyword', () => {
    expect(matchRule(r, 'Price!')).toMatchObject({ kind: 'exact' });
  });
  it('works in scripts without spaces and with combining marks', () => {
    expect(matchRule(rule('价格', 'contains'), '请问价格是多少')).toMatchObject({ kind: 'contains' });
    expect(matchRule(rule('السعر', 'contains'), 'ما هو السعر؟')).toMatchObject({ kind: 'contains' });
    expect(matchRule(rule('कीमत', 'contains'), 'इसकी कीमत क्या है')).toMatchObject({ kind: 'contains' });
    expect(matchRule(rule('Preis', 'contains'), 'Was ist der PREIS?')).toMatchObject({ kind: 'contains' });
  });
});

describe('fuzzy', () => {
  it('allows 0 edits under 4 characters, 1 for 4–7, 2 from 8', () => {
    expect([1, 3, 4, 7, 8, 20].map(fuzzyMaxDistance)).toEqual([0, 0, 1, 1, 2, 2]);
  });

  it.each([
    ['price', 'prcie', 1], // transposition counts 1
    ['price', 'prices', 1],
    ['price', 'pric', 1],
    ['price', 'prixe', 1],
    ['price', 'whats the prcie?', 1],
    ['delivery', 'delivry', 1],
    ['delivery', 'dleivry', 2],
    ['delivery', 'when is deliveyr?', 1],
    ['remove me', 'remov me', 1],
    ['remove me', 'pls removeme', 1],
    ['open now', 'opennow', 1],
  ])('keyword %p matches %p at distance %i', (keyword, msg, distance) => {
    expect(matchRule(rule(keyword, 'fuzzy'), msg)).toMatchObject({ kind: 'fuzzy', distance });
  });

  it.each([
    ['price', 'prcies'], // 2 edits for a 5-letter keyword
    ['hi', 'ho'], // short keywords are exact only
    ['yes', 'yet'],
    ['delivery', 'dlvry'],
    ['price', 'totally unrelated message'],
  ])('keyword %p does not match %p', (keyword, msg) => {
    expect(matchRule(rule(keyword, 'fuzzy'), msg)).toBeNull();
  });

  it('reports exact/contains when the fuzzy keyword is really there', () => {
    expect(matchRule(rule('price', 'fuzzy'), 'price')).toMatchObject({ kind: 'exact', distance: 0 });
    expect(matchRule(rule('hi', 'fuzzy'), 'hi there')).toMatchObject({ kind: 'contains', distance: 0 });
  });

  it('editDistance is optimal string alignment', () => {
    expect(editDistance('ab', 'ba')).toBe(1);
    expect(editDistance('ca', 'abc')).toBe(3); // OSA, not unrestricted Damerau (2)
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
  });

  it('property: editDistance matches a reference OSA implementation', () => {
    const osa = (a: string, b: string) => {
      const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
      for (let i = 1; i <= a.length; i++) {
        for (let j = 1; j <= b.length; j++) {
          const cost = a[i - 1] === b[j - 1] ? 0 : 1;
          d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
          if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
        }
      }
      return d[a.length][b.length];
    };
    const s = fc.string({ unit: fc.constantFrom('a', 'b', 'c', ' '), maxLength: 12 });
    fc.assert(fc.property(s, s, (a, b) => expect(editDistance(a, b)).toBe(osa(a, b))), { numRuns: 500 });
  });
});

describe('choosing the winner', () => {
  it('higher priority wins over a better match', () => {
    const low = rule('price', 'exact', { priority: 1 });
    const high = rule('price', 'fuzzy', { priority: 50 });
    expect(matchKeyword('prcie', [low, high])?.rule).toBe(high);
    expect(matchKeyword('price', [low, high])?.rule).toBe(high);
  });

  it('same priority: exact over contains over fuzzy', () => {
    const fuzzy = rule('pricing', 'fuzzy');
    const contains = rule('price', 'contains');
    const exact = rule('price list', 'exact');
    expect(matchKeyword('price list', [fuzzy, contains, exact])?.rule).toBe(exact);
    expect(matchKeyword('the price list', [fuzzy, contains, exact])?.rule).toBe(contains);
    expect(matchKeyword('pricng', [fuzzy, contains, exact])?.rule).toBe(fuzzy);
  });

  it('same priority and kind: smaller distance wins', () => {
    const a = rule('delivery', 'fuzzy');
    const b = rule('delivers', 'fuzzy');
    expect(matchKeyword('delivere', [a, b])).toMatchObject({ distance: 1 });
    const near = rule('shipping', 'fuzzy');
    const far = rule('shopping', 'fuzzy');
    expect(matchKeyword('shiping', [far, near])?.rule).toBe(near);
  });

  it('then the earliest created, then the smallest id, whatever the input order', () => {
    const older = rule('hello', 'exact', { id: 'z', createdAt: '2025-01-01T00:00:00Z' });
    const newer = rule('hello', 'exact', { id: 'a', createdAt: new Date('2025-06-01T00:00:00Z') });
    const undated = rule('hello', 'exact', { id: '0' });
    expect(matchKeyword('hello', [newer, undated, older])?.rule).toBe(older);
    expect(matchKeyword('hello', [undated, newer])?.rule).toBe(newer);
    const x = rule('hello', 'exact', { id: 'b' });
    const y = rule('hello', 'exact', { id: 'a' });
    expect(matchKeyword('hello', [x, y])?.rule).toBe(y);
  });

  it('skips disabled rules and blank keywords; null when nothing matches', () => {
    expect(matchKeyword('price', [rule('price', 'exact', { enabled: false }), rule('  ', 'contains')])).toBeNull();
    expect(matchKeyword('', [rule('price', 'fuzzy')])).toBeNull();
    expect(matchKeyword('hello', [])).toBeNull();
  });

  it('keeps the caller’s rule type', () => {
    const rules = [{ ...rule('want', 'exact', { priority: 10 }), reply: 'OK, we got it.' }];
    expect(matchKeyword('WANT', rules)?.rule.reply).toBe('OK, we got it.');
  });

  it('property: the winner is the first of findMatches and independent of input order', () => {
    const words = ['price', 'prices', 'prcie', 'hours', 'open', 'delivery', 'stop', 'help'];
    const arbRule = fc.record({
      id: fc.stringMatching(/^[a-f0-9]{4}$/),
      keyword: fc.constantFrom(...words, 'open hours', 'price list'),
      mode: fc.constantFrom('exact' as const, 'contains' as const, 'fuzzy' as const),
      priority: fc.integer({ min: 0, max: 3 }),
      enabled: fc.boolean(),
      createdAt: fc.option(fc.integer({ min: 0, max: 10 }), { nil: undefined }),
    });
    const msg = fc.array(fc.constantFrom(...words, 'the', 'what', 'is'), { maxLength: 5 }).map((w) => w.join(' '));
    fc.assert(
      fc.property(fc.uniqueArray(arbRule, { selector: (r) => r.id, maxLength: 8 }), msg, (rules, m) => {
        const all = findMatches(m, rules);
        const winner = matchKeyword(m, rules);
        expect(winner).toEqual(all[0] ?? null);
        expect(matchKeyword(m, [...rules].reverse())).toEqual(winner);
        for (const x of all) {
          expect(x.rule.enabled).toBe(true);
          if (winner) expect(x.rule.priority).toBeLessThanOrEqual(winner.rule.priority);
        }
      }),
    );
  });
});
