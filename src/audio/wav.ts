// RIFF/WAVE PCM 16-bit: writing, reading with validation, and building alarm prompts that loop with pauses.

export interface PcmAudio {
  sampleRate: number;
  channels: number;
  samples: Int16Array;
}

export function pcmWav(samples: Int16Array, sampleRate: number): Buffer {
  const data = Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength);
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(36 + data.length, 4);
  header.write('WAVE', 8, 'ascii');
  header.write('fmt ', 12, 'ascii');
  header.writeUInt32LE(16, 16); // fmt chunk size
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(1, 22); // mono
  header.writeUInt32LE(sampleRate, 24);
  header.writeUInt32LE(sampleRate * 2, 28); // byte rate
  header.writeUInt16LE(2, 32); // block align
  header.writeUInt16LE(16, 34); // bits per sample
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(data.length, 40);
  return Buffer.concat([header, data]);
}

/** Parses a WAV; throws an Error saying what is wrong (not RIFF, not PCM 16-bit, no data). */
export function readPcmWav(file: Buffer): PcmAudio {
  if (
    file.length < 12 ||
    file.toString('ascii', 0, 4) !== 'RIFF' ||
    file.toString('ascii', 8, 12) !== 'WAVE'
  ) {
    throw new Error('not a RIFF/WAVE file');
  }
  let format: { audioFormat: number; channels: number; sampleRate: number; bits: number } | undefined;
  let offset = 12;
  for (let chunk = 0; chunk < 64 && offset + 8 <= file.length; chunk++) {
    const id = file.toString('ascii', offset, offset + 4);
    const size = file.readUInt32LE(offset + 4);
    const body = offset + 8;
    if (id === 'fmt ' && size >= 16) {
      format = {
        audioFormat: file.readUInt16LE(body),
        channels: file.readUInt16LE(body + 2),
        sampleRate: file.readUInt32LE(body + 4),
        bits: file.readUInt16LE(body + 14),
      };
    } else if (id === 'data') {
      if (!format) throw new Error('data before the fmt chunk');
      if (format.audioFormat !== 1 || format.bits !== 16) throw new Error('not PCM 16-bit');
      const length = Math.min(size, file.length - body) & ~1;
      const copy = Buffer.from(file.subarray(body, body + length));
      return {
        sampleRate: format.sampleRate,
        channels: format.channels,
        samples: new Int16Array(copy.buffer, copy.byteOffset, length / 2),
      };
    }
    offset = body + size + (size % 2);
  }
  throw new Error('no data chunk');
}

/** Mono 8 kHz, as baresip's aufile needs with ausrc_srate 8000 (baresip.md §6); other rates are resampled. */
export function toMono8k(audio: PcmAudio): Int16Array {
  const frames = Math.floor(audio.samples.length / audio.channels);
  const mono = new Float64Array(frames);
  for (let i = 0; i < frames; i++) {
    let sum = 0;
    for (let c = 0; c < audio.channels; c++) sum += audio.samples[i * audio.channels + c]!;
    mono[i] = sum / audio.channels;
  }
  if (audio.sampleRate === 8000) return Int16Array.from(mono, (v) => Math.round(v));
  // Linear interpolation: speech prompts only, so no need for a polyphase filter.
  const out = new Int16Array(Math.floor((frames * 8000) / audio.sampleRate));
  for (let i = 0; i < out.length; i++) {
    const position = (i * audio.sampleRate) / 8000;
    const left = Math.floor(position);
    const right = Math.min(left + 1, frames - 1);
    const fraction = position - left;
    out[i] = Math.round(mono[left]! * (1 - fraction) + mono[right]! * fraction);
  }
  return out;
}

/**
 * The prompt repeated with pauses until it lasts `totalSeconds`: with aufile the call ends when the file ends, so
 * the file's length is the callee's time to press the confirm key.
 */
export function loopedPrompt(message: Int16Array, totalSeconds: number, pauseSeconds = 2): Buffer {
  const total = Math.max(message.length, Math.round(totalSeconds * 8000));
  const out = new Int16Array(total);
  const step = message.length + Math.round(pauseSeconds * 8000);
  for (let start = 0; start < total; start += step)
    out.set(message.subarray(0, Math.min(message.length, total - start)), start);
  return pcmWav(out, 8000);
}
