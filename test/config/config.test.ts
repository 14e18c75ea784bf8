// Configuration: defaults, durations, environment overrides, *_FILE secrets, every error class, redaction.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { formatDuration, parseDuration } from '../../src/config/duration.ts';
import { ConfigError, loadConfig } from '../../src/config/load.ts';
import { redactedConfigYaml, REDACTED } from '../../src/config/redact.ts';

const dir = mkdtempSync(join(tmpdir(), '3cx2mqtt-config-'));
let fileCount = 0;
function configFile(text: string): string {
  const path = join(dir, `config-${++fileCount}.yaml`);
  writeFileSync(path, text);
  return path;
}

const MINIMAL = `pbx:\n  url: https://pbx.example.com:5001\n  client_id: gateway\n  client_secret: s3cret-client\n`;

function errorsOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  assert.fail('expected a ConfigError');
}

function issueFor(error: ConfigError, key: string): string {
  const issue = error.issues.find((i) => i.key === key);
  assert.ok(issue, `no issue for ${key}; got ${JSON.stringify(error.issues)}`);
  return issue.message;
}

describe('durations', () => {
  it('accepts seconds and unit strings', () => {
    assert.equal(parseDuration(2), 2000);
    assert.equal(parseDuration(0.5), 500);
    assert.equal(parseDuration('500ms'), 500);
    assert.equal(parseDuration('2s'), 2000);
    assert.equal(parseDuration('5m'), 300_000);
    assert.equal(parseDuration('1h'), 3_600_000);
    assert.equal(parseDuration('30'), 30_000);
  });
  it('rejects everything else', () => {
    for (const bad of ['2x', '', '-1s', 'fast', -3, Number.NaN, true, null])
      assert.equal(parseDuration(bad), undefined, String(bad));
  });
  it('formats back the way a user writes it', () => {
    assert.equal(formatDuration(2000), '2s');
    assert.equal(formatDuration(500), '500ms');
    assert.equal(formatDuration(600_000), '10m');
    assert.equal(formatDuration(1500), '1500ms');
  });
});

describe('loading', () => {
  it('fills every default of CONTRACT §2', () => {
    const config = loadConfig({ path: configFile(MINIMAL), env: {} });
    assert.equal(config.pbx.id, 'pbx_example_com');
    assert.equal(config.pbx.verify_tls, true);
    assert.equal(config.pbx.realtime, 'auto');
    assert.equal(config.pbx.max_auth_failures, 5);
    assert.deepEqual(config.polling, {
      calls: 2000,
      presence: 30_000,
      trunks: 60_000,
      failures_before_offline: 3,
    });
    assert.equal(config.mqtt.url, 'mqtt://localhost:1883');
    assert.equal(config.mqtt.base_topic, '3cx2mqtt');
    assert.equal(config.mqtt.output, 'json');
    assert.equal(config.homeassistant.mode, 'device');
    assert.equal(config.entities.extensions, 'all');
    assert.deepEqual(config.commands.allowed_numbers, ['^[0-9]{2,6}$']);
    assert.equal(config.commands.rate_limit_per_minute, 6);
    assert.equal(config.sip.enabled, false);
    assert.equal(config.sip.ring_timeout, 30_000);
    assert.equal(config.sip.alarm_deadline, 600_000);
    assert.equal(config.sip.audio.towing, './sounds/towing.wav');
    assert.equal(config.web.listen, '127.0.0.1:8080');
    assert.equal(config.web.frame_ancestors, "'self'");
    assert.equal(config.history.retention_days, 90);
    assert.equal(config.log.level, 'info');
  });

  it('takes the file from $TCX2MQTT_CONFIG when --config is absent', () => {
    const path = configFile(MINIMAL.replace('gateway', 'from-env-file'));
    assert.equal(loadConfig({ env: { TCX2MQTT_CONFIG: path } }).pbx.client_id, 'from-env-file');
  });

  it('applies environment overrides with YAML typing for non-text keys', () => {
    const config = loadConfig({
      path: configFile(MINIMAL),
      env: {
        TCX2MQTT_POLLING__CALLS: '500ms',
        TCX2MQTT_POLLING__FAILURES_BEFORE_OFFLINE: '5',
        TCX2MQTT_MQTT__BASE_TOPIC: 'office',
        TCX2MQTT_PBX__VERIFY_TLS: 'false',
        TCX2MQTT_ENTITIES__EXTENSIONS: '["100", "101"]',
        TCX2MQTT_SIP__BARESIP__CTRL_TCP: '127.0.0.1:4445',
        TCX2MQTT_PBX__CLIENT_ID: '0100', // text keys stay text: no number parsing
      },
    });
    assert.equal(config.polling.calls, 500);
    assert.equal(config.polling.failures_before_offline, 5);
    assert.equal(config.mqtt.base_topic, 'office');
    assert.equal(config.pbx.verify_tls, false);
    assert.deepEqual(config.entities.extensions, ['100', '101']);
    assert.equal(config.sip.baresip.ctrl_tcp, '127.0.0.1:4445');
    assert.equal(config.pbx.client_id, '0100');
  });

  it('reads secrets from *_FILE variables', () => {
    const secretFile = join(dir, 'mqtt-password');
    writeFileSync(secretFile, 'from-a-file\n');
    const config = loadConfig({
      path: configFile(MINIMAL),
      env: { TCX2MQTT_MQTT__PASSWORD_FILE: secretFile },
    });
    assert.equal(config.mqtt.password, 'from-a-file');
  });

  it('works from the environment alone when no file is named and ./config.yaml is absent', () => {
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      const config = loadConfig({
        env: {
          TCX2MQTT_PBX__URL: 'https://pbx.local',
          TCX2MQTT_PBX__USERNAME: '600',
          TCX2MQTT_PBX__PASSWORD: 'pw',
        },
      });
      assert.equal(config.pbx.username, '600');
    } finally {
      process.chdir(cwd);
    }
  });
});

describe('errors', () => {
  it('reports several errors at once, each naming its key, value and expectation', () => {
    const error = errorsOf(() =>
      loadConfig({
        path: configFile(
          `${MINIMAL}polling:\n  calls: 2x\n  presence: true\nmqtt:\n  url: http://broker\n  output: xml\n`,
        ),
        env: {},
      }),
    );
    assert.match(issueFor(error, 'polling.calls'), /got "2x".*duration/);
    assert.match(issueFor(error, 'polling.presence'), /got true/);
    assert.match(issueFor(error, 'mqtt.url'), /mqtt:\/\//);
    assert.match(issueFor(error, 'mqtt.output'), /json/);
    assert.ok(error.issues.length >= 4);
  });

  it('names a bad type', () => {
    const error = errorsOf(() =>
      loadConfig({ path: configFile(`${MINIMAL}history:\n  recent_calls: many\n`), env: {} }),
    );
    assert.match(issueFor(error, 'history.recent_calls'), /got "many".*number/);
  });

  it('suggests the key meant for an unknown one', () => {
    const error = errorsOf(() =>
      loadConfig({ path: configFile(`${MINIMAL}mqtt:\n  base_topik: x\n`), env: {} }),
    );
    assert.match(issueFor(error, 'mqtt.base_topik'), /unknown key \(did you mean "base_topic"\?\)/);
    const top = errorsOf(() =>
      loadConfig({ path: configFile(`${MINIMAL}polling_:\n  calls: 2\n`), env: {} }),
    );
    assert.match(issueFor(top, 'polling_'), /did you mean "polling"/);
  });

  it('requires pbx.url', () => {
    const error = errorsOf(() =>
      loadConfig({ path: configFile('pbx:\n  client_id: a\n  client_secret: b\n'), env: {} }),
    );
    assert.match(issueFor(error, 'pbx.url'), /required/);
  });

  it('requires exactly one credential kind, complete', () => {
    const both = errorsOf(() =>
      loadConfig({ path: configFile(`${MINIMAL}  username: "600"\n  password: pw\n`), env: {} }),
    );
    assert.match(issueFor(both, 'pbx'), /not both/);
    const neither = errorsOf(() =>
      loadConfig({ path: configFile('pbx:\n  url: https://pbx.local\n'), env: {} }),
    );
    assert.match(issueFor(neither, 'pbx'), /no credentials/);
    const half = errorsOf(() =>
      loadConfig({ path: configFile('pbx:\n  url: https://pbx.local\n  username: "600"\n'), env: {} }),
    );
    assert.match(issueFor(half, 'pbx.password'), /required/);
  });

  it('names an unreadable _FILE variable and its key', () => {
    const error = errorsOf(() =>
      loadConfig({
        path: configFile(MINIMAL),
        env: { TCX2MQTT_PBX__CLIENT_SECRET_FILE: join(dir, 'does-not-exist') },
      }),
    );
    assert.match(
      issueFor(error, 'TCX2MQTT_PBX__CLIENT_SECRET_FILE'),
      /cannot read the secret file .*pbx\.client_secret \(ENOENT\)/,
    );
  });

  it('rejects unknown environment variables and _FILE on non-secrets', () => {
    const error = errorsOf(() =>
      loadConfig({
        path: configFile(MINIMAL),
        env: { TCX2MQTT_MQTT__BASE_TOPC: 'x', TCX2MQTT_MQTT__URL_FILE: '/etc/hostname' },
      }),
    );
    assert.match(issueFor(error, 'TCX2MQTT_MQTT__BASE_TOPC'), /did you mean TCX2MQTT_MQTT__BASE_TOPIC/);
    assert.match(issueFor(error, 'TCX2MQTT_MQTT__URL_FILE'), /not a secret/);
  });

  it('names a missing explicit file and broken YAML', () => {
    const missing = errorsOf(() => loadConfig({ path: join(dir, 'nope.yaml'), env: {} }));
    assert.match(missing.message, /nope\.yaml: cannot read the configuration file \(ENOENT\)/);
    const broken = errorsOf(() => loadConfig({ path: configFile('pbx: [unclosed\n'), env: {} }));
    assert.match(broken.message, /YAML/);
  });

  it('validates regexes, time zones and SIP requirements', () => {
    const error = errorsOf(() =>
      loadConfig({
        path: configFile(
          `${MINIMAL}  timezone: Mars/Olympus\ncommands:\n  allowed_numbers: ["^[0-9"]\ncontacts:\n  vip: ["/(/"]\nsip:\n  enabled: true\n`,
        ),
        env: {},
      }),
    );
    assert.match(issueFor(error, 'pbx.timezone'), /IANA/);
    assert.match(issueFor(error, 'commands.allowed_numbers.0'), /regular expression/);
    assert.match(issueFor(error, 'contacts.vip.0'), /regular expression/);
    assert.match(issueFor(error, 'sip.account.user'), /sip.enabled/);
  });
});

describe('secrets', () => {
  const secrets = {
    client_secret: 'cs-AAA-unique',
    mqtt_password: 'mqtt-BBB-unique',
    web_token: 'web-CCC-unique',
    hook: 'hook-DDD-unique',
  };
  const text =
    `pbx:\n  url: https://pbx.example.com\n  client_id: c\n  client_secret: ${secrets.client_secret}\n` +
    `mqtt:\n  password: ${secrets.mqtt_password}\nweb:\n  auth_token: ${secrets.web_token}\n  webhook_token: ${secrets.hook}\n`;

  it('never appear in the printed configuration', () => {
    const yaml = redactedConfigYaml(loadConfig({ path: configFile(text), env: {} }));
    for (const value of Object.values(secrets)) assert.ok(!yaml.includes(value), `${value} leaked`);
    assert.equal(yaml.split(REDACTED).length - 1, 4);
    assert.match(yaml, /calls: 2s/);
  });

  it('never appear in error messages, even when the value is what is wrong', () => {
    const error = errorsOf(() =>
      loadConfig({
        path: configFile(`${text}  bogus: 1\n`),
        env: { TCX2MQTT_PBX__PASSWORD: 'pw-EEE-unique', TCX2MQTT_PBX__SECURITY_CODE: '' },
      }),
    );
    for (const value of [...Object.values(secrets), 'pw-EEE-unique'])
      assert.ok(!error.message.includes(value), `${value} leaked`);
    const typed = errorsOf(() =>
      loadConfig({ path: configFile(`${MINIMAL}mqtt:\n  password: 123456789\n`), env: {} }),
    );
    assert.ok(!typed.message.includes('123456789'));
    assert.match(issueFor(typed, 'mqtt.password'), /\*\*\*/);
  });
});
