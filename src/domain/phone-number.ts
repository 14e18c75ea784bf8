// Phone numbers as 3CX writes them in different places ("4930123456", "+4930123456", "030123456", "Ext.101").

/** One spelling for outside numbers: E.164 with "+" when it looks international, else the digits as dialled. */
export function normaliseNumber(raw: string | null | undefined): string | null {
  if (!raw) return null;
  const text = raw.trim().replace(/^Ext\./i, '');
  const digits = text.replace(/[^\d]/g, '');
  if (!digits) return null;
  if (text.startsWith('+')) return `+${digits}`;
  if (digits.startsWith('00')) return `+${digits.slice(2)}`;
  if (digits.length >= 9 && !digits.startsWith('0')) return `+${digits}`;
  return digits;
}

/**
 * Whether two numbers are the same line: equal digits, or one a suffix of the other with at least 6 digits
 * (national "030123456" against "+4930123456").
 */
export function sameNumber(a: string | null | undefined, b: string | null | undefined): boolean {
  const x = (a ?? '').replace(/\D/g, '').replace(/^00/, '').replace(/^0+/, '');
  const y = (b ?? '').replace(/\D/g, '').replace(/^00/, '').replace(/^0+/, '');
  if (!x || !y) return false;
  if (x === y) return true;
  const [short, long] = x.length < y.length ? [x, y] : [y, x];
  return short.length >= 6 && long.endsWith(short);
}

/** contacts.vip: literal numbers (by sameNumber) or regexes written "/.../". */
export function vipMatcher(patterns: readonly string[]): (number: string | null) => boolean {
  const regexes = patterns
    .filter((p) => p.length > 1 && p.startsWith('/') && p.endsWith('/'))
    .map((p) => new RegExp(p.slice(1, -1)));
  const literals = patterns.filter((p) => !(p.length > 1 && p.startsWith('/') && p.endsWith('/')));
  return (number) => {
    if (!number) return false;
    return literals.some((l) => sameNumber(l, number)) || regexes.some((r) => r.test(number));
  };
}
