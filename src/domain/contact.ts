// A phonebook entry: the name callers are shown with, and the numbers it answers to.

export interface Contact {
  name: string;
  numbers: string[];
}
