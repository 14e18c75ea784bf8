// docs/3cx-crm-template.xml posts what the webhook accepts, to the endpoints the gateway serves.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { it } from 'node:test';
import { parseJournal } from '../../src/web/webhook.ts';

const xml = readFileSync(new URL('../../docs/3cx-crm-template.xml', import.meta.url), 'utf8');

it('the CRM template journals every field the webhook needs and looks up contacts at /webhook/3cx/lookup', () => {
  assert.match(xml, /^<\?xml version="1.0"/);
  const keys = [...xml.matchAll(/<Value Key="([A-Za-z]+)"/g)].map((m) => m[1]);
  for (const required of ['CallType', 'Number', 'Agent', 'Duration', 'CallStartTimeUTC'])
    assert.ok(keys.includes(required), required);
  assert.match(xml, /Url="\[GatewayUrl\]\/webhook\/3cx\?token=\[WebhookToken\]"/);
  assert.match(
    xml,
    /Url="\[GatewayUrl\]\/webhook\/3cx\/lookup\?number=\[Number\]&amp;token=\[WebhookToken\]"/,
  );
  // What 3CX substitutes for those variables (3cx-xapi.md §6a) parses.
  const sample = {
    CallType: 'Missed',
    Number: '+4930123456',
    Name: 'X',
    Agent: '101',
    Duration: '00:01:05',
    DateTime: '04.03.2026 10:15',
    CallStartTimeUTC: '2026-03-04T09:15:02Z',
    CallEndTimeUTC: '2026-03-04T09:16:07Z',
    QueueExtension: '',
  };
  const parsed = parseJournal(sample);
  assert.equal(typeof parsed, 'object');
  assert.equal((parsed as { durationS: number }).durationS, 65);
});
