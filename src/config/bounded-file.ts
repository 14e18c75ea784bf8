// Reads files whose size a user controls (the configuration, *_FILE secrets) only up to a bound, before parsing.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

export class FileTooLarge extends Error {
  constructor(
    /** The size, or at least this much when the file has no size (a pipe, a device). */
    readonly size: number,
    readonly exact: boolean,
  ) {
    super(`file larger than the limit (${size} bytes)`);
    this.name = 'FileTooLarge';
  }
}

/** The file as UTF-8 text; FileTooLarge past `limit` bytes, without reading more than limit + 1 bytes. */
export function readBoundedFile(path: string, limit: number): string {
  const fd = openSync(path, 'r');
  try {
    const declared = fstatSync(fd).size;
    if (declared > limit) throw new FileTooLarge(declared, true);
    // Read by hand: readFileSync trusts the size, and /dev/zero or a growing file would never end.
    const buffer = Buffer.alloc(limit + 1);
    let length = 0;
    for (let read = 1; read > 0 && length <= limit; length += read)
      read = readSync(fd, buffer, length, buffer.length - length, null);
    if (length > limit) throw new FileTooLarge(length, false);
    return buffer.toString('utf8', 0, length);
  } finally {
    closeSync(fd);
  }
}

/** 52428800 -> "50 MB", 65536 -> "64 KB". */
export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${Math.round(bytes / (1024 * 1024))} MB`;
  if (bytes >= 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${bytes} bytes`;
}

/** "is 50 MB" or, for a file without a size, "is larger than 4 MB". */
export function describeSize(error: FileTooLarge, limit: number): string {
  return error.exact ? `is ${formatBytes(error.size)}` : `is larger than ${formatBytes(limit)}`;
}
