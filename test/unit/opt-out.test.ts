import fc from 'fast-check';
import {
  HELP_KEYWORDS,
  OPT_IN_KEYWORDS,
  OPT_OUT_KEYWORDS,
  canonicalKeywordText,
  classifyInboundMessage,
  matchComplianceKeyword,
} from '../../domain/opt-out';

describe('classifyInboundMessage', () => {
  it('exports the keyword lists, including every keyword the issue names', () => {
    for (const k of ['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT', 'REMOVE ME', 'OPTOUT']) {
      expect(OPT_OUT_KEYWORDS).toContain(k);
    }
    expect(OPT_IN_KEYWORDS).toEqual(['START', 'UNSTOP', 'YES']);
    expect(HELP_KEYWORDS).toEqual(['HELP', 'INFO']);
    expect(Object.isFrozen(OPT_OUT_KEYWORDS)).toBe(true);
  });

  it.each([...OPT_OUT_KEYWORDS.map((k) => [k, 'opt_out']), ...OPT_IN_KEYWORDS.map((k) => [k, 'opt_in']), ...HELP_KEYWORDS.map((k) => [k, 'help'])])(
    '%s → %s',
    (keyword, cls) => {
      expect(classifyInboundMessage(keyword)).toBe(cls);
      expect(classifyInboundMessage(keyword.toLowerCase())).toBe(cls);
    },
  );

  it.each([
    'stop',
    'Stop',
    '  STOP  ',
    '\tstop\n',
    'Stop.',
    'Stop!',
    'STOP!!!',
    '"STOP"',
    "'stop'",
    '¡Stop!',
    '*STOP*',
    'STOP 🛑',
    'stop\u200b',
    'ＳＴＯＰ',
    'remove   me',
    'Remove me.',
    'REMOVE\nME',
    'remove-me',
    'opt-out',
    'Opt Out',
    'opt out!',
    'stop all',
    'Unsubscribe.',
  ])('%p is an opt-out', (body) => {
    expect(classifyInboundMessage(body)).toBe('opt_out');
  });

  it.each([
    'stop please',
    'please stop',
    "don't stop",
    'STOP STOP',
    'stopp',
    'stops',
    'non-stop',
    'the end',
    'quitting',
    'removed',
  ])('%p is not a keyword message', (body) => {
    expect(classifyInboundMessage(body)).toBeNull();
  });

  it.each([
    ['Yes!', 'opt_in'],
    ['start', 'opt_in'],
    ['UNSTOP.', 'opt_in'],
    ['help?', 'help'],
    ['Info', 'help'],
    ['yes please', null],
    ['help me', null],
    ['', null],
    ['   ', null],
    ['!!!', null],
    ['🛑', null],
  ])('%p → %p', (body, cls) => {
    expect(classifyInboundMessage(body)).toBe(cls);
  });

  it('handles null and undefined bodies (media-only messages)', () => {
    expect(classifyInboundMessage(null)).toBeNull();
    expect(classifyInboundMessage(undefined)).toBeNull();
  });

  it('reports the canonical keyword matched', () => {
    expect(matchComplianceKeyword(' Opt-Out! ')).toEqual({ class: 'opt_out', keyword: 'OPT OUT' });
    expect(canonicalKeywordText('  Remove—me!! ')).toBe('remove me');
  });

  it('accepts custom keywords on top of the defaults', () => {
    const options = { extraOptOut: ['arret', 'no más'], extraOptIn: ['subscribe'], extraHelp: ['ayuda'] };
    expect(classifyInboundMessage('ARRET', options)).toBe('opt_out');
    expect(classifyInboundMessage('No más.', options)).toBe('opt_out');
    expect(classifyInboundMessage('Subscribe', options)).toBe('opt_in');
    expect(classifyInboundMessage('ayuda', options)).toBe('help');
    expect(classifyInboundMessage('stop', options)).toBe('opt_out');
    expect(classifyInboundMessage('arret')).toBeNull();
    expect(classifyInboundMessage('yes', { extraOptOut: ['yes'] })).toBe('opt_out'); // opt-out wins a conflict
  });

  it('property: case, surrounding whitespace and punctuation never change the class', () => {
    const all = [...OPT_OUT_KEYWORDS, ...OPT_IN_KEYWORDS, ...HELP_KEYWORDS];
    const noise = fc.array(fc.constantFrom(' ', '\t', '\n', '.', '!', '?', '"', "'", '…', '🙏'), { maxLength: 4 }).map((a) => a.join(''));
    fc.assert(
      fc.property(fc.constantFrom(...all), fc.array(fc.boolean(), { minLength: 12, maxLength: 12 }), noise, noise, (kw, caps, pre, post) => {
        const cased = Array.from(kw)
          .map((c, i) => (caps[i % caps.length] ? c.toUpperCase() : c.toLowerCase()))
          .join('');
        expect(classifyInboundMessage(pre + cased + post)).toBe(classifyInboundMessage(kw));
      }),
    );
  });

  it('property: a keyword with another word attached is not a keyword', () => {
    fc.assert(
      fc.property(fc.constantFrom(...OPT_OUT_KEYWORDS), fc.stringMatching(/^[a-z]{3,8}$/), (kw, word) => {
        fc.pre(!['me', 'all', 'out'].includes(word));
        expect(classifyInboundMessage(`${kw} ${word}ly`)).toBeNull();
      }),
    );
  });
});
