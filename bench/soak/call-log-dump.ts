// The simulator's call log of a soak run (ReportCallLogData, read with a user login so the gateway's API client
// token stays valid): which calls the PBX itself recorded, and a copy kept for studying a finding.
import { writeFileSync } from 'node:fs';
import { call, SimClient } from '../../test/helpers/pbx-http.ts';

const utc = (ms: number) => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');

export interface SimCallLog {
  /** The MainCallHistoryIds of every call with at least one row. */
  logged: Set<string>;
  text: string;
}

export async function readCallLog(simUrl: string, since: number): Promise<SimCallLog> {
  const token = await new SimClient(simUrl).userToken();
  // The PBX clock runs ahead of ours after token expiries (clock advances): a wide window.
  const from = utc(since - 3600_000);
  const to = utc(Date.now() + 24 * 3600_000);
  const path =
    `ReportCallLogData/Pbx.GetCallLogData(periodFrom=${from},periodTo=${to},sourceType=0,sourceFilter='',` +
    `destinationType=0,destinationFilter='',callsType=0,callTimeFilterType=0,callTimeFilterFrom='0:00:0',` +
    `callTimeFilterTo='0:00:0',hidePcalls=true)`;
  const answer = await call(`${simUrl}/xapi/v1/${path}`, { headers: { authorization: `Bearer ${token}` } });
  if (answer.status !== 200) throw new Error(`call log: ${answer.status}`);
  const rows = answer.json<{ value: { MainCallHistoryId?: string | null }[] }>().value;
  return {
    logged: new Set(rows.flatMap((r) => (r.MainCallHistoryId ? [r.MainCallHistoryId] : []))),
    text: answer.text,
  };
}

export function writeCallLog(log: SimCallLog, file: string): void {
  writeFileSync(file, log.text);
}
