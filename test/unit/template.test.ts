import fc from 'fast-check';
import { contactVariables, extractVariables, render, splitName, stringifyValue } from '../../domain/template';

describe('extractVariables', () => {
  it('reads the Zagely example in order', () => {
    const content = 'Hi {{ name }}! Your order #{{ order_id }} is confirmed.\nWe ship by {{ ship_date }}. 🎉';
    expect(extractVariables(content)).toEqual(['name', 'order_id', 'ship_date']);
  });

  it('reads SeaX single-brace placeholders', () => {
    const content = 'Hello {first_name}, this is a reminder about your appointment on {appointment_date}.';
    expect(extractVariables(content)).toEqual(['first_name', 'appointment_date']);
  });

  it('is unique, in order of first appearance, across both syntaxes', () => {
    expect(extractVariables('{{b}} {a} {{ b }} {{a}} {c} {{{ d }}}')).toEqual(['b', 'a', 'c', 'd']);
  });

  it('accepts any custom-field key between double braces', () => {
    expect(extractVariables('{{ order id }} {{plan-tier}} {{a.b}} {{ مدينة }}')).toEqual([
      'order id',
      'plan-tier',
      'a.b',
      'مدينة',
    ]);
  });

  it.each([
    ['{ not a var }'],
    ['{ first_name }'],
    ['{"a": 1, "b": [1, 2]}'],
    ['{1}'],
    ['{a b}'],
    ['{}'],
    ['{{}}'],
    ['{{   }}'],
    ['{first-name}'],
    ['{{name}'],
    ['{name}}'],
    ['{{{name}}'],
    ['{{name}}}'],
    ['{{{{name}}}}'],
    ['{{ multi\nline }}'],
    ['function f() { return 1; }'],
    ['price: $5 {approx.}'],
  ])('leaves %p alone', (content) => {
    expect(extractVariables(content)).toEqual([]);
    expect(render(content, { name: 'X', first_name: 'X', a: 'X' })).toEqual({ text: content, missing: [] });
  });
});

describe('render', () => {
  it('renders the Zagely preview example', () => {
    const content = 'Hi {{ name }}! Your order #{{ order_id }} is confirmed.\nWe ship by {{ ship_date }}. 🎉';
    expect(render(content, { name: 'Jane', order_id: 'ORD-001', ship_date: 'April 25' })).toEqual({
      text: 'Hi Jane! Your order #ORD-001 is confirmed.\nWe ship by April 25. 🎉',
      missing: [],
    });
  });

  it('renders both syntaxes in one pass, with or without spaces in double braces', () => {
    const r = render('{{name}}/{{ name }}/{{\tname\t}}/{name}/{{{name}}}', { name: 'Jo' });
    expect(r.text).toBe('Jo/Jo/Jo/Jo/Jo');
  });

  it('renders a missing variable as empty and reports it once, in order', () => {
    expect(render('Hi {first_name}, code {{code}} for {first_name} and {{ city }}', { code: 7 })).toEqual({
      text: 'Hi , code 7 for  and ',
      missing: ['first_name', 'city'],
    });
  });

  it('can keep missing placeholders verbatim', () => {
    expect(render('Hi {{ name }} {x}', {}, { onMissing: 'keep' })).toEqual({ text: 'Hi {{ name }} {x}', missing: ['name', 'x'] });
  });

  it('treats null and undefined as missing but an empty string as a value', () => {
    expect(render('[{a}][{b}][{c}]', { a: null, b: undefined, c: '' })).toEqual({ text: '[][][]', missing: ['a', 'b'] });
  });

  it('formats numbers, booleans, dates and objects', () => {
    const r = render('{n} {t} {d} {o} {l}', {
      n: 3.5,
      t: false,
      d: new Date('2026-04-25T09:00:00Z'),
      o: { plan: 'gold' },
      l: ['a', 1],
    });
    expect(r.text).toBe('3.5 false 2026-04-25T09:00:00.000Z {"plan":"gold"} ["a",1]');
    expect(stringifyValue(new Date('nope'))).toBeUndefined();
  });

  it('falls back to a case-insensitive key', () => {
    expect(render('{{City}} {CITY}', { city: 'Cairo' }).text).toBe('Cairo Cairo');
    expect(render('{{city}}', { city: 'exact', City: 'other' }).text).toBe('exact');
  });

  it('inserts values literally: braces and $-patterns in values are not expanded', () => {
    const vars = { a: '{{b}} {b}', b: 'BAD', c: "$& $1 $' $$" };
    expect(render('{{a}}|{c}', vars)).toEqual({ text: "{{b}} {b}|$& $1 $' $$", missing: [] });
  });

  it('never reads inherited properties', () => {
    expect(render('{constructor}{{toString}}{__proto__}', {})).toEqual({
      text: '',
      missing: ['constructor', 'toString', '__proto__'],
    });
  });

  it('renders adjacent placeholders', () => {
    expect(render('{a}{b}{{a}}{{b}}', { a: 1, b: 2 }).text).toBe('1212');
  });

  it('is linear on hostile input', () => {
    const hostile = '{{' + ' a'.repeat(50_000) + '\n' + '{'.repeat(50_000);
    const started = Date.now();
    expect(render(hostile, {}).text).toBe(hostile);
    expect(Date.now() - started).toBeLessThan(500);
  });

  const key = fc.stringMatching(/^[a-z_][a-z0-9_]{0,10}$/);
  const literal = fc.string().map((s) => s.replace(/[{}]/g, ''));

  it('property: text without braces renders unchanged with nothing missing', () => {
    fc.assert(
      fc.property(literal, fc.dictionary(key, fc.string()), (text, vars) => {
        expect(render(text, vars)).toEqual({ text, missing: [] });
      }),
    );
  });

  it('property: rendering equals concatenating the parts, whatever the values contain', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(literal, key, fc.boolean()), { maxLength: 8 }),
        literal,
        fc.dictionary(key, fc.string()),
        (parts, tail, vars) => {
          // Separate each placeholder from the literal before it so they stay well-formed.
          let content = '';
          let expected = '';
          const missing: string[] = [];
          for (const [lit, k, double] of parts) {
            content += `${lit} ${double ? `{{ ${k} }}` : `{${k}}`} `;
            const has = Object.prototype.hasOwnProperty.call(vars, k);
            expected += `${lit} ${has ? vars[k] : ''} `;
            if (!has && !missing.includes(k)) missing.push(k);
          }
          content += tail;
          expected += tail;
          expect(render(content, vars)).toEqual({ text: expected, missing });
          expect(extractVariables(content)).toEqual([...new Set(parts.map((p) => p[1]))]);
        },
      ),
    );
  });

  it('property: missing is exactly the extracted variables without a value', () => {
    fc.assert(
      fc.property(fc.string(), fc.dictionary(key, fc.option(fc.string(), { nil: undefined })), (content, vars) => {
        const r = render(content, vars);
        const lower = new Map(Object.entries(vars).map(([k, v]) => [k.toLowerCase(), v]));
        const expected = extractVariables(content).filter((v) => {
          const exact = Object.prototype.hasOwnProperty.call(vars, v) ? vars[v] : lower.get(v.toLowerCase());
          return exact === undefined;
        });
        expect(r.missing).toEqual(expected);
      }),
    );
  });
});

describe('splitName', () => {
  it.each([
    ['Jane Doe', 'Jane', 'Doe'],
    ['  Jane   Doe  ', 'Jane', 'Doe'],
    ['Mary Ann van der Berg', 'Mary', 'Ann van der Berg'],
    ['Doe, Jane', 'Jane', 'Doe'],
    ['Cher', 'Cher', undefined],
    ['+15551234567', undefined, undefined],
    ['(415) 555-0123', undefined, undefined],
    ['', undefined, undefined],
  ])('%p → %p / %p', (name, first, last) => {
    expect(splitName(name)).toEqual({ ...(first ? { first } : {}), ...(last ? { last } : {}) });
  });
});

describe('contactVariables', () => {
  const contact = {
    id: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee',
    name: 'Jane Doe',
    phone: '+15551234567',
    whatsapp_phone: null,
    email: 'jane@example.com',
    custom_fields: { city: 'New York', plan: 'gold', visits: 3, phone: '+10000000000' },
  };

  it('maps a contact row to variables', () => {
    expect(contactVariables(contact)).toEqual({
      contact_id: contact.id,
      name: 'Jane Doe',
      first_name: 'Jane',
      last_name: 'Doe',
      phone: '+15551234567',
      phone_number: '+15551234567',
      email: 'jane@example.com',
      city: 'New York',
      plan: 'gold',
      visits: 3,
    });
  });

  it('renders a SeaX and a Zagely template for a contact', () => {
    const vars = contactVariables(contact);
    expect(render('Happy Birthday {first_name}! ({{ city }}, {{phone}})', vars)).toEqual({
      text: 'Happy Birthday Jane! (New York, +15551234567)',
      missing: [],
    });
  });

  it('custom fields beat the name split; real columns beat custom fields', () => {
    const v = contactVariables({ name: 'Jane Doe', first_name: null, custom_fields: { first_name: 'Janey', email: 'x' }, email: 'j@x.io' });
    expect(v.first_name).toBe('Janey');
    expect(v.last_name).toBe('Doe');
    expect(v.email).toBe('j@x.io');
    expect(contactVariables({ name: 'Jane Doe', first_name: 'J.', last_name: 'D.' })).toMatchObject({ first_name: 'J.', last_name: 'D.' });
  });

  it('a phone-number name gives no first name, so it is reported missing', () => {
    const v = contactVariables({ name: '+15551234567', phone: '+15551234567' });
    expect(render('Hi {first_name}!', v)).toEqual({ text: 'Hi !', missing: ['first_name'] });
    expect(v.name).toBe('+15551234567');
  });

  it('accepts the API shape (phone_number) and skips blanks', () => {
    expect(contactVariables({ name: ' ', phone_number: '+15551234567', email: '', custom_fields: null })).toEqual({
      phone: '+15551234567',
      phone_number: '+15551234567',
    });
  });
});
