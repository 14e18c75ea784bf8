// Test helper: hostile configuration files (alias bombs, huge files) written to a temporary folder.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A valid-looking pbx section, so that only the hostile part can be the reason for refusing a file. */
export const PBX_SECTION =
  'pbx:\n  url: https://pbx.example.com:5001\n  client_id: gw\n  client_secret: s3cret\n';

/** "Billion laughs": `levels` anchors, each a list of `width` aliases of the one before (width^levels leaves). */
export function aliasBomb(levels = 9, width = 9): string {
  const row = (item: string) => `[${Array.from({ length: width }, () => item).join(', ')}]`;
  const lines = [`l0: &l0 ${row('"lol"')}`];
  for (let level = 1; level < levels; level++) lines.push(`l${level}: &l${level} ${row(`*l${level - 1}`)}`);
  return `${PBX_SECTION}${lines.join('\n')}\n`;
}

export function writeFile(name: string, content: string | Buffer): string {
  const path = join(mkdtempSync(join(tmpdir(), '3cx2mqtt-hostile-')), name);
  writeFileSync(path, content);
  return path;
}
