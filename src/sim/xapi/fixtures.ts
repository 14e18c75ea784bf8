// The xAPI singletons and derived lists (SystemStatus, Defs, VoicemailSettings, Peers), built from the model.
import { isoUtc } from '../clock.ts';
import type { CallEngine } from '../calls.ts';
import type { PbxModel } from '../model.ts';

type Row = Record<string, unknown>;

export function peers(model: PbxModel): Row[] {
  const peer = (Id: number, Number: string, Name: string, Type: string): Row => ({
    Id,
    Number,
    Name,
    Type,
    Hidden: false,
    Tags: [],
  });
  return [
    ...model.users.map((u) => peer(u.Id, u.Number, u.DisplayName, 'Extension')),
    ...model.ringGroups.map((g) => peer(g.Id, g.Number, g.Name, 'RingGroup')),
    ...model.queues.map((q) => peer(q.Id, q.Number, q.Name, 'Queue')),
    ...model.trunks.map((t) => peer(t.Id, t.Number, t.Gateway.Name, 'ExternalLine')),
  ];
}

export function systemStatus(model: PbxModel, calls: CallEngine, now: number): Row {
  const users = model.users.filter((u) => !u.Number.startsWith('HD'));
  return {
    Id: 1,
    FQDN: model.fqdn,
    Version: model.version,
    Activated: true,
    LicenseActive: true,
    ProductCode: '3CXPSENT',
    MaxSimCalls: 64,
    ExpirationDate: null,
    MaintenanceExpiresAt: '2027-06-30T00:00:00Z',
    CallsActive: calls.active.size,
    ExtensionsRegistered: users.filter((u) => u.IsRegistered).length,
    ExtensionsTotal: users.length + model.ringGroups.length + model.queues.length,
    UserExtensions: users.length,
    MaxUserExtensions: Math.max(1000, users.length),
    TrunksRegistered: model.trunks.filter((t) => t.IsOnline).length,
    TrunksTotal: model.trunks.length,
    HasNotRunningServices: false,
    HasUnregisteredSystemExtensions: false,
    DiskUsage: 23,
    FreeDiskSpace: 41_000_000_000,
    TotalDiskSpace: 53_000_000_000,
    BackupScheduled: true,
    LastBackupDateTime: isoUtc(now - 36 * 3600_000),
    AutoUpdateEnabled: true,
    OS: 'Linux',
    Ip: '127.0.0.1',
    IpV4: '127.0.0.1',
    IpV6: null,
    RecordingQuotaReached: false,
    VoicemailQuotaReached: false,
  };
}

export const DEFS: Row = {
  Id: 1,
  Codecs: [
    { Id: 1, Name: 'PCMA' },
    { Id: 2, Name: 'PCMU' },
    { Id: 3, Name: 'G722' },
  ],
};

export function voicemailSettings(model: PbxModel): Row {
  return {
    Id: 1,
    Extension: model.voicemailNumber,
    Quota: 2048,
    AutoDeleteEnabled: false,
    AutoDeleteDays: 30,
    MinDuration: 2,
    OperatorEnabled: false,
  };
}

/** What .NET writes for a DateTimeOffset never set: the spec makes LastCdrStartedAt non-nullable. */
const NO_CDR_YET = '0001-01-01T00:00:00Z';

/**
 * The 20.0.7+ "anything new?" probe, one row (the spec serves it as a collection): the latest StartTime among the
 * call-log rows written so far. Rows are written when a segment ends, so a row can appear with an older StartTime
 * than the newest; the simulator has no chat, so LastChatMessageTimeSent is null.
 */
export function lastCdrAndChatMessageTimestamp(calls: CallEngine): Row {
  const latest = calls.lastCdrStartedAt;
  return {
    LastCdrStartedAt: latest === undefined ? NO_CDR_YET : isoUtc(latest),
    LastChatMessageTimeSent: null,
  };
}
