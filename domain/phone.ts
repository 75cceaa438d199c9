import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';

/**
 * Normalise a phone number to E.164 with libphonenumber's full metadata. Spaces, dashes, dots and brackets are
 * ignored; a number without `+` is read in `defaultCountry`. We accept numbers that are *possible* for their
 * country (right length and country code) rather than only assigned ranges, so fictional and test ranges such as
 * +1 555 01xx and Twilio's +1 500 555 xxxx, which the SeaX and Zagely examples use, work. Returns null when the
 * input cannot be a phone number.
 */
export function normalizePhone(input: string, defaultCountry = 'US'): string | null {
  const trimmed = input.trim();
  if (!trimmed || /[a-z]/i.test(trimmed.replace(/^tel:/i, '').replace(/\s*(ext\.?|x)\s*\d+$/i, ''))) return null;
  const parsed = parsePhoneNumberFromString(trimmed.replace(/^tel:/i, ''), {
    defaultCountry: defaultCountry.toUpperCase() as CountryCode,
  });
  if (!parsed || !parsed.isPossible()) return null;
  return parsed.number;
}

/** The ISO country of an E.164 number, when libphonenumber can tell. */
export function phoneCountry(e164: string): string | undefined {
  return parsePhoneNumberFromString(e164)?.country;
}
