// The company phonebook: the names callers are shown with, and the numbers each answers to.
import { sameNumber } from './phone-number.ts';

export interface Contact {
  name: string;
  numbers: string[];
}

export class Phonebook {
  private contacts: Contact[] = [];

  set(contacts: Contact[]): void {
    this.contacts = contacts;
  }

  /** The name of the contact with this number (digits compared, prefixes tolerated), or null. */
  nameOf(number: string | null): string | null {
    if (!number) return null;
    return this.contacts.find((c) => c.numbers.some((n) => sameNumber(n, number)))?.name ?? null;
  }
}
