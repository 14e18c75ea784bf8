// Errors of the PBX client: what failed, at which endpoint, and never a secret.

export type PbxErrorKind = 'auth' | 'http' | 'network' | 'timeout' | 'parse';

export class PbxError extends Error {
  constructor(
    readonly kind: PbxErrorKind,
    readonly endpoint: string,
    message: string,
    readonly status?: number,
  ) {
    super(`${endpoint}: ${message}`);
    this.name = 'PbxError';
  }
}
