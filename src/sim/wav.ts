// Minimal RIFF/WAVE (PCM 16-bit mono) writing: recordings served by the simulator, prompts made by the project.

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

/** A short two-tone "recording", different per id so a download can be told apart. */
export function recordingWav(id: number, seconds = 1, sampleRate = 8000): Buffer {
  const samples = new Int16Array(seconds * sampleRate);
  const frequency = 300 + (id % 20) * 40;
  for (let i = 0; i < samples.length; i++) {
    samples[i] = Math.round(8000 * Math.sin((2 * Math.PI * frequency * i) / sampleRate));
  }
  return pcmWav(samples, sampleRate);
}
