// The alarm prompts named in sip.audio: checked at start-up so a bad file is a configuration error, not a failed alarm.
import { readFileSync } from 'node:fs';
import { readPcmWav } from '../audio/wav.ts';
import type { ConfigIssue } from '../config/load.ts';
import type { Config } from '../config/schema.ts';

export function checkPrompts(config: Config): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  for (const [type, path] of Object.entries(config.sip.audio)) {
    const key = `sip.audio.${type}`;
    let file: Buffer;
    try {
      file = readFileSync(path);
    } catch (error) {
      issues.push({
        key,
        message: `cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
      });
      continue;
    }
    try {
      const audio = readPcmWav(file);
      if (audio.samples.length < audio.sampleRate / 2)
        issues.push({ key, message: `${path} is shorter than half a second` });
    } catch (error) {
      issues.push({
        key,
        message: `${path}: ${(error as Error).message}; expected a PCM 16-bit WAV (8 kHz mono is best)`,
      });
    }
  }
  return issues;
}
