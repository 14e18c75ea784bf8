// Recordings the simulator serves: a short tone per id, so a download can be told apart.
import { pcmWav } from '../audio/wav.ts';

export function recordingWav(id: number, seconds = 1, sampleRate = 8000): Buffer {
  const samples = new Int16Array(seconds * sampleRate);
  const frequency = 300 + (id % 20) * 40;
  for (let i = 0; i < samples.length; i++) {
    samples[i] = Math.round(8000 * Math.sin((2 * Math.PI * frequency * i) / sampleRate));
  }
  return pcmWav(samples, sampleRate);
}
