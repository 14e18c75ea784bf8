// The simulator's default credentials (a module of its own, so the CLI's help needs nothing else of the simulator).
import type { SimCredentials } from './auth.ts';

export const DEFAULT_CREDENTIALS: SimCredentials = {
  clientId: 'simulator',
  clientSecret: 'simulator-secret',
  username: '100',
  password: 'simulator',
};
