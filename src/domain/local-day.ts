// Local calendar days in the PBX's time zone: the day a UTC instant falls on, and when the next day begins.

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    formatters.set(timeZone, f);
  }
  return f;
}

/** "2026-03-29": the local date of an instant (DST needs no special case: the zone database knows). */
export function localDay(ms: number, timeZone: string): string {
  return formatter(timeZone).format(new Date(ms));
}

/** The first instant of the next local day: 23 or 25 hours away on DST change days. */
export function nextLocalMidnight(ms: number, timeZone: string): number {
  const today = localDay(ms, timeZone);
  // The next day begins within 26 h; find its first millisecond by bisection over whole seconds.
  let low = ms;
  let high = ms + 26 * 3600_000;
  while (localDay(high, timeZone) === today) high += 3600_000; // never loops for real zones
  while (high - low > 1000) {
    const middle = Math.floor((low + high) / 2);
    if (localDay(middle, timeZone) === today) low = middle;
    else high = middle;
  }
  for (let t = high - 1000; t <= high; t += 1) if (localDay(t, timeZone) !== today) return t;
  return high;
}
