// SIP groundwork: netstrings, baresip's config and account line, WAV prompts, and the attempt outcome rules.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { loopedPrompt, pcmWav, readPcmWav, toMono8k } from '../../src/audio/wav.ts';
import { baresipAccount, baresipConfig, type BaresipSettings } from '../../src/sip/baresip-config.ts';
import { encodeNetstring, NetstringDecoder, NetstringError } from '../../src/sip/netstring.ts';
import { classifyAttempt, classifyRing } from '../../src/sip/outcome.ts';

const settings: BaresipSettings = {
  ctrlTcp: '127.0.0.1:4444',
  sipListen: '127.0.0.1:15060',
  netInterface: '127.0.0.1',
  rtpPorts: '20000-20099',
  account: {
    user: '610',
    password: 's3cret',
    domain: 'pbx.example.com',
    transport: 'udp',
    register: true,
    outboundProxy: null,
  },
  defaultPrompt: '/data/sounds/generic.wav',
};

describe('netstrings', () => {
  it('round-trips frames split and joined arbitrarily', () => {
    const frames = [
      '{"command":"dial","params":"200","token":"t1"}',
      '{"event":true,"type":"CALL_CLOSED","param":"Ä ö"}',
      '',
    ];
    const wire = Buffer.concat(frames.map(encodeNetstring));
    for (const size of [1, 3, 7, wire.length]) {
      const decoder = new NetstringDecoder();
      const out: string[] = [];
      for (let i = 0; i < wire.length; i += size) out.push(...decoder.push(wire.subarray(i, i + size)));
      assert.deepEqual(out, frames, `chunks of ${size}`);
    }
  });
  it('refuses broken frames', () => {
    assert.throws(
      () => new NetstringDecoder().push(Buffer.from('05:hello,')),
      NetstringError,
      'leading zero',
    );
    assert.throws(() => new NetstringDecoder().push(Buffer.from('5:hello;')), NetstringError, 'no comma');
    assert.throws(() => new NetstringDecoder().push(Buffer.from('x:')), NetstringError);
    assert.throws(() => new NetstringDecoder(10).push(Buffer.from('11:')), NetstringError, 'too large');
  });
});

describe('baresip files', () => {
  it('keeps ctrl_tcp on the configured address and disables the jitter buffer', () => {
    const config = baresipConfig(settings);
    assert.match(config, /^ctrl_tcp_listen\s+127\.0\.0\.1:4444$/m);
    assert.match(config, /^jitter_buffer_delay\s+0-0$/m);
    assert.match(config, /^net_interface\s+127\.0\.0\.1$/m);
    assert.match(config, /^module_app\s+menu\.so$/m);
    assert.match(config, /^audio_source\s+aufile,\/data\/sounds\/generic\.wav$/m);
    assert.doesNotMatch(config, /alsa|stdio|cons\.so/);
  });
  it('writes one account line with auth and registration interval', () => {
    assert.equal(
      baresipAccount(settings),
      '<sip:610@pbx.example.com>;auth_pass=s3cret;regint=600;answermode=manual;audio_codecs=PCMU,PCMA\n',
    );
    const tcp = baresipAccount({
      ...settings,
      account: { ...settings.account, register: false, transport: 'tcp', password: null },
    });
    assert.equal(
      tcp,
      '<sip:610@pbx.example.com;transport=tcp>;regint=0;answermode=manual;audio_codecs=PCMU,PCMA\n',
    );
  });
  it('refuses values that could inject other settings', () => {
    assert.throws(
      () => baresipAccount({ ...settings, account: { ...settings.account, password: 'a;outbound=evil' } }),
      /sip\.account\.password/,
    );
    assert.throws(() => baresipConfig({ ...settings, ctrlTcp: '0.0.0.0:4444\nmodule x' }), /ctrl_tcp/);
  });
});

describe('prompts', () => {
  it('the shipped prompts are 8 kHz mono PCM 16-bit speech', () => {
    for (const name of ['towing', 'unplug', 'generic']) {
      const audio = readPcmWav(readFileSync(new URL(`../../sounds/${name}.wav`, import.meta.url)));
      assert.deepEqual([audio.sampleRate, audio.channels], [8000, 1], name);
      assert.ok(audio.samples.length > 8000 * 2, `${name} lasts more than 2 s`);
    }
  });
  it('loops a prompt with pauses for the whole confirm window', () => {
    const message = new Int16Array(8000).fill(1000); // 1 s
    const looped = readPcmWav(loopedPrompt(message, 45, 2));
    assert.equal(looped.samples.length, 45 * 8000);
    assert.equal(looped.samples[0], 1000);
    assert.equal(looped.samples[8000 + 100], 0, 'a pause after the message');
    assert.equal(looped.samples[3 * 8000 + 100], 1000, 'the message again after 3 s');
  });
  it('resamples and downmixes to 8 kHz mono', () => {
    const stereo16k = { sampleRate: 16000, channels: 2, samples: new Int16Array(16000 * 2).fill(100) };
    assert.equal(toMono8k(stereo16k).length, 8000);
  });
  it('says what is wrong with a file that is not a usable WAV', () => {
    assert.throws(() => readPcmWav(Buffer.from('hello world, not audio')), /not a RIFF\/WAVE/);
    const eightBit = pcmWav(new Int16Array(10), 8000);
    eightBit.writeUInt16LE(8, 34);
    assert.throws(() => readPcmWav(eightBit), /not PCM 16-bit/);
    assert.throws(() => readPcmWav(pcmWav(new Int16Array(10), 8000).subarray(0, 36)), /no data chunk/);
  });
});

describe('attempt outcomes (baresip.md §10)', () => {
  const base = {
    rang: true,
    established: false,
    confirmed: false,
    closeReason: null as string | null,
    ringTimedOut: false,
  };
  const cases: [Partial<typeof base>, string][] = [
    [{ established: true, confirmed: true }, 'CONFIRMED'],
    [{ established: true, closeReason: 'Connection reset by peer' }, 'NO_ANSWER'],
    [{ established: true, closeReason: 'end of file' }, 'NO_ANSWER'],
    [{ closeReason: '486 Rejected' }, 'NO_ANSWER'],
    [{ closeReason: '480 Temporarily Unavailable' }, 'NO_ANSWER'],
    [{ ringTimedOut: true }, 'NO_ANSWER'],
    [{ rang: false, ringTimedOut: true }, 'FAILED'],
    [{ rang: false, closeReason: 'Connection refused' }, 'FAILED'],
    [{ rang: false, closeReason: 'Connection timed out' }, 'FAILED'],
    [{ closeReason: '403 Forbidden' }, 'FAILED'],
    [{ closeReason: '404 Not Found' }, 'FAILED'],
    [{ established: false, rang: true, closeReason: 'No such file or directory' }, 'FAILED'],
  ];
  for (const [facts, expected] of cases) {
    it(`${JSON.stringify(facts)} -> ${expected}`, () =>
      assert.equal(classifyAttempt({ ...base, ...facts }), expected));
  }
  it('make_call outcomes', () => {
    assert.equal(
      classifyRing({ rang: true, established: false, closeReason: 'Connection reset by user' }),
      'RANG',
    );
    assert.equal(classifyRing({ rang: true, established: true, closeReason: null }), 'ANSWERED');
    assert.equal(
      classifyRing({ rang: false, established: false, closeReason: 'Connection refused' }),
      'FAILED',
    );
  });
});
