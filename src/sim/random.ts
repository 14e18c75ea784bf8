// A seeded pseudo-random source, so a simulator started with --seed N behaves the same every time.

export class Random {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0 || 0x9e3779b9;
  }

  /** mulberry32: small, fast and good enough for traffic; not for anything secret. */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[Math.floor(this.next() * items.length)]!;
  }

  /** A GUID in 3CX's lower-case form, drawn from this source. */
  guid(): string {
    const hex = Array.from({ length: 32 }, () => Math.floor(this.next() * 16).toString(16)).join('');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20)}`;
  }

  digits(count: number): string {
    return Array.from({ length: count }, () => this.int(0, 9)).join('');
  }
}

export const FIRST_NAMES = [
  'Anna',
  'Tom',
  'Lena',
  'Jonas',
  'Mia',
  'Felix',
  'Sofia',
  'Lukas',
  'Emma',
  'Paul',
  'Hanna',
  'Leon',
  'Clara',
  'Noah',
  'Marie',
  'Elias',
  'Laura',
  'Ben',
  'Julia',
  'Finn',
  'Sara',
  'David',
  'Nora',
  'Jan',
  'Ida',
  'Erik',
  'Maja',
  'Oskar',
  'Zoë',
  'Matthias',
  'Siobhán',
  'Łukasz',
  'Amélie',
  'José',
  'Björn',
  'Aiko',
  'Priya',
  'Omar',
  'Chen',
  'Fatima',
] as const;

export const LAST_NAMES = [
  'Berg',
  'Lind',
  'Schmidt',
  'Kunze',
  'Meyer',
  'Wagner',
  'Becker',
  'Hoffmann',
  'Schulz',
  'Koch',
  'Richter',
  'Klein',
  'Wolf',
  'Neumann',
  'Schwarz',
  'Zimmermann',
  'Braun',
  'Krüger',
  'Hofmann',
  'Hartmann',
  'Lange',
  'Werner',
  "O'Brien",
  'Müller-Lüdenscheidt',
  'Nowak',
  'García',
  'Rossi',
  'Jensen',
  'Andersson',
  'Novák',
  'Yamamoto',
  'Patel',
  'Haddad',
] as const;

export const COMPANIES = [
  'Acme GmbH',
  'Nordwind Logistik',
  'Stadtwerke Süd',
  'Bäckerei Sonne',
  'Praxis Dr. Weiß',
  'Autohaus Kraft',
  'Hausverwaltung Ost',
  'Elektro Funke',
  'Kanzlei Recht & Ordnung',
  'Blumen <Bunt>',
] as const;
