// LastCdrAndChatMessageTimestamp (20.0.7+), the cheap "anything new?" probe, against the call log.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CallLogData } from '../../src/sim/call-rows.ts';
import { SimHarness } from '../helpers/pbx-http.ts';

const WIDE_LOG =
  "ReportCallLogData/Pbx.GetCallLogData(periodFrom=2000-01-01T00:00:00Z,periodTo=2100-01-01T00:00:00Z,sourceType=0,sourceFilter=''," +
  "destinationType=0,destinationFilter='',callsType=0,callTimeFilterType=0,callTimeFilterFrom='0:00:0',callTimeFilterTo='0:00:0',hidePcalls=true)";

describe('LastCdrAndChatMessageTimestamp', () => {
  it('is one row: the latest StartTime in the call log (0001-01-01 before any), no chat', async () => {
    const sim = await SimHarness.start({ extensions: 10 });
    try {
      const empty = await sim.xapiJson<{ value: Record<string, unknown>[] }>(
        'LastCdrAndChatMessageTimestamp',
      );
      assert.deepEqual(empty.value, [
        { LastCdrStartedAt: '0001-01-01T00:00:00Z', LastChatMessageTimeSent: null },
      ]);
      for (let i = 0; i < 3; i++) {
        const started = await sim.script<{ id: number }>('POST', 'calls', {
          from: `+49301000${i}0`,
          to: '101',
        });
        await sim.script('POST', `calls/${started.id}/ring`);
        await sim.script('POST', 'clock', { advance_seconds: 7 });
        await sim.script('POST', `calls/${started.id}/hangup`);
      }
      const rows = (await sim.xapiJson<{ value: CallLogData[] }>(WIDE_LOG)).value;
      const latest = Math.max(...rows.map((r) => Date.parse(r.StartTime!)));
      const probe = await sim.xapiJson<{ value: { LastCdrStartedAt: string }[] }>(
        'LastCdrAndChatMessageTimestamp?$select=LastCdrStartedAt',
      );
      assert.deepEqual(probe.value, [
        { LastCdrStartedAt: new Date(latest).toISOString().replace('.000Z', 'Z') },
      ]);
      assert.match(
        probe['@odata.context' as keyof typeof probe] as unknown as string,
        /#LastCdrAndChatMessageTimestamp$/,
      );
    } finally {
      await sim.stop();
    }
  });
});
