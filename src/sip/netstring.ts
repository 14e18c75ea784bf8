// Netstrings (`<length>:<payload>,`), the framing of baresip's ctrl_tcp: encoding and an incremental decoder.

export function encodeNetstring(payload: string): Buffer {
  const body = Buffer.from(payload, 'utf8');
  return Buffer.concat([Buffer.from(`${body.length}:`, 'ascii'), body, Buffer.from(',', 'ascii')]);
}

export class NetstringError extends Error {}

/** Feeds bytes as they arrive; yields each complete payload. A broken frame throws (the caller reconnects). */
export class NetstringDecoder {
  private buffer: Buffer = Buffer.alloc(0);

  constructor(private readonly maxLength = 10 * 1024 * 1024) {}

  push(chunk: Buffer): string[] {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
    const frames: string[] = [];
    for (;;) {
      const colon = this.buffer.indexOf(0x3a); // ':'
      if (colon < 0) {
        if (this.buffer.length > 10) throw new NetstringError('no length prefix');
        return frames;
      }
      const digits = this.buffer.subarray(0, colon).toString('ascii');
      // baresip accepts at most 9 length digits and no leading zeros (baresip.md §4).
      if (!/^(0|[1-9]\d{0,8})$/.test(digits)) throw new NetstringError(`bad length "${digits.slice(0, 12)}"`);
      const length = Number(digits);
      if (length > this.maxLength) throw new NetstringError(`frame of ${length} bytes is too large`);
      const end = colon + 1 + length;
      if (this.buffer.length < end + 1) return frames;
      if (this.buffer[end] !== 0x2c) throw new NetstringError('missing comma after the payload');
      frames.push(this.buffer.subarray(colon + 1, end).toString('utf8'));
      this.buffer = this.buffer.subarray(end + 1);
    }
  }
}
