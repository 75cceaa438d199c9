import { normalizePhone, phoneCountry } from '../../domain/phone';

describe('normalizePhone', () => {
  it.each([
    ['+1 (415) 555-0123', 'US', '+14155550123'],
    ['415.555.0123', 'US', '+14155550123'],
    ['14155550123', 'US', '+14155550123'],
    ['+15551234567', 'US', '+15551234567'],
    ['020 7946 0018', 'GB', '+442079460018'],
    ['+201140220996', 'US', '+201140220996'],
    ['tel:+14155550123', 'US', '+14155550123'],
  ])('%s in %s → %s', (input, country, expected) => {
    expect(normalizePhone(input, country)).toBe(expected);
  });

  it.each(['', 'hello', '+1234', '12', '+1 415 555 0123 4567 89', 'call me'])('rejects %p', (input) => {
    expect(normalizePhone(input, 'US')).toBeNull();
  });

  it('tells the country of a number', () => {
    expect(phoneCountry('+442079460018')).toBe('GB');
  });
});
