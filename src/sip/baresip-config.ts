// baresip's config and accounts files, generated from the `sip:` settings (baresip.md §2–3). Pure.

export interface BaresipSettings {
  ctrlTcp: string;
  sipListen: string;
  netInterface: string | null;
  rtpPorts: string;
  account: {
    user: string;
    password: string | null;
    domain: string;
    transport: 'udp' | 'tcp' | 'tls';
    register: boolean;
    outboundProxy: string | null;
  };
  /** The prompt every call starts with until `ausrc` picks another (an existing 8 kHz mono WAV). */
  defaultPrompt: string;
  moduleDir?: string;
}

/** Characters that would end a field in baresip's line-based files: refused rather than escaped. */
const UNSAFE = /[\s<>;"\\]/;

export function checkSafe(name: string, value: string): void {
  if (UNSAFE.test(value) || value.length === 0)
    throw new Error(`${name} must not be empty or contain spaces, < > ; " or \\`);
}

export function baresipConfig(settings: BaresipSettings): string {
  for (const [name, value] of [
    ['sip.baresip.ctrl_tcp', settings.ctrlTcp],
    ['sip.baresip.sip_listen', settings.sipListen],
    ['sip.baresip.rtp_ports', settings.rtpPorts],
    ['the default prompt', settings.defaultPrompt],
  ] as const) {
    checkSafe(name, value);
  }
  if (settings.netInterface !== null) checkSafe('sip.baresip.net_interface', settings.netInterface);
  const lines: [string, string][] = [
    ['poll_method', 'epoll'],
    ['sip_listen', settings.sipListen],
    ['call_local_timeout', '30'],
    ['call_max_calls', '4'],
    ['audio_source', `aufile,${settings.defaultPrompt}`],
    ['audio_buffer', '20-160'],
    ['ausrc_srate', '8000'],
    ['ausrc_channels', '1'],
    ['audio_level', 'no'],
    ['ausrc_format', 's16'],
    ['auplay_format', 's16'],
    ['auenc_format', 's16'],
    ['audec_format', 's16'],
    ['rtp_ports', settings.rtpPorts],
    ['rtcp_mux', 'no'],
    // Without this, DTMF events come ~100 ms late and CALL_DTMF_END can be lost (baresip.md §7).
    ['jitter_buffer_delay', '0-0'],
    ['rtp_stats', 'no'],
    ...(settings.netInterface ? ([['net_interface', settings.netInterface]] as [string, string][]) : []),
    ['module_path', settings.moduleDir ?? '/usr/lib/baresip/modules'],
    ['module', 'g711.so'],
    ['module', 'aufile.so'],
    ['module_tmp', 'account.so'],
    // menu provides dial/hangup/ausrc...; ctrl_tcp only forwards to it.
    ['module_app', 'menu.so'],
    ['module_app', 'ctrl_tcp.so'],
    // The default would listen on every interface, without authentication.
    ['ctrl_tcp_listen', settings.ctrlTcp],
    ['menu_bell', 'no'],
    ['ringback_disabled', 'yes'],
    ['statmode_default', 'off'],
  ];
  return `${lines.map(([key, value]) => `${key.padEnd(20)}${value}`).join('\n')}\n`;
}

/** The one account line; the password stays in this file only (mode 0600, never logged). */
export function baresipAccount(settings: BaresipSettings, regintSeconds = 600): string {
  const { account } = settings;
  checkSafe('sip.account.user', account.user);
  checkSafe('sip.account.domain', account.domain);
  if (account.password !== null) checkSafe('sip.account.password', account.password);
  if (account.outboundProxy !== null) checkSafe('sip.account.outbound_proxy', account.outboundProxy);
  const params = [
    ...(account.password !== null ? [`auth_pass=${account.password}`] : []),
    `regint=${account.register ? regintSeconds : 0}`,
    ...(account.outboundProxy ? [`outbound="${account.outboundProxy}"`] : []),
    'answermode=manual',
    'audio_codecs=PCMU,PCMA',
  ];
  const transport = account.transport === 'udp' ? '' : `;transport=${account.transport}`;
  return `<sip:${account.user}@${account.domain}${transport}>;${params.join(';')}\n`;
}
