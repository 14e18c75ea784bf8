// Click-to-call and dropping a call: through Call Control while its websocket is live (makecall, drop on the
// participant), else through the xAPI as before (Users/Pbx.MakeCall, ActiveCalls({Id})/Pbx.DropCall).
import { callControlDrop, callControlMakeCall } from '../pbx/callcontrol.ts';
import type { PbxClient } from '../pbx/client.ts';
import { XAPI_PARSERS } from '../pbx/endpoints.ts';
import { PbxError } from '../pbx/errors.ts';

/** What commands need of the Call Control view (bound in app.ts). */
export interface CallControlPort {
  live: () => boolean;
  /** A participant of the PBX call, to drop it by. */
  participantOf: (pbxCallId: number) => { dn: string; id: number } | undefined;
}

export interface Dialled {
  status: string | null;
  pbx_call_id: number | null;
}

/** Call Control refused the request as not allowed here: the xAPI may still do it. */
function refused(error: unknown): boolean {
  return error instanceof PbxError && error.kind === 'http' && (error.status === 403 || error.status === 405);
}

export async function makeCall(
  client: PbxClient,
  callControl: CallControlPort | undefined,
  dn: string,
  destination: string,
): Promise<Dialled> {
  if (callControl?.live()) {
    try {
      const answer = await callControlMakeCall(client, dn, destination);
      return { status: answer.status, pbx_call_id: answer.pbxCallId };
    } catch (error) {
      if (!refused(error)) throw error;
    }
  }
  const answer = XAPI_PARSERS.MakeCall(
    await client.xapi('POST', 'Users/Pbx.MakeCall', { dn, destination, contact: null, testCall: false }),
  );
  return { status: answer.status, pbx_call_id: answer.callId };
}

export async function dropCall(
  client: PbxClient,
  callControl: CallControlPort | undefined,
  pbxCallId: number,
): Promise<void> {
  const participant = callControl?.live() ? callControl.participantOf(pbxCallId) : undefined;
  if (participant) {
    try {
      return await callControlDrop(client, participant.dn, participant.id);
    } catch (error) {
      // 404: the participant went meanwhile (the call may still be up elsewhere): the xAPI drops the call by its id.
      if (!refused(error) && !(error instanceof PbxError && error.status === 404)) throw error;
    }
  }
  await client.xapi('POST', `ActiveCalls(${pbxCallId})/Pbx.DropCall`);
}
