/**
 * Spreadsheet programs execute cells that start with these; prefix them so an export is safe to open. Plain
 * numbers (an E.164 phone such as +14155550101) are data, not formulas, and stay as they are.
 */
const FORMULA_START = /^[=+\-@\t\r]/;
const PLAIN_NUMBER = /^[+-]?\d+(\.\d+)?$/;

/** A cell value made safe to open in a spreadsheet (formula injection). */
export const escapeFormula = (value: string): string => (FORMULA_START.test(value) && !PLAIN_NUMBER.test(value) ? `'${value}` : value);
