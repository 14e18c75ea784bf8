// `3cx2mqtt run`: the gateway until SIGINT/SIGTERM (exit 0 within 5 s) or a fatal error (exit 1).
import { App } from '../app.ts';
import type { Config } from '../config/schema.ts';
import { ConfigError } from '../config/load.ts';
import { redactUrl } from '../config/redact.ts';
import { checkPrompts } from '../sip/prompts.ts';
import { createLogger, type Logger } from '../log.ts';

const STOP_DEADLINE_MS = 4500;

export async function runGateway(
  config: Config,
  log: Logger = createLogger(config.log.level),
  onWeb?: (url: string) => void,
): Promise<number> {
  if (config.sip.enabled) {
    const issues = checkPrompts(config);
    if (issues.length > 0) throw new ConfigError('sip.audio', issues);
  }
  let fatal: Error | undefined;
  let wake: () => void = () => undefined;
  const stopped = new Promise<void>((resolve) => (wake = resolve));
  const app = new App({
    config,
    log,
    onFatal: (error) => {
      fatal ??= error;
      wake();
    },
  });
  const onSignal = (signal: string) => {
    log.info({ signal }, 'stopping');
    wake();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  log.info(
    { pbx: redactUrl(config.pbx.url), mqtt: redactUrl(config.mqtt.url), id: config.pbx.id },
    '3cx2mqtt starting',
  );
  try {
    const url = await app.start();
    if (url !== undefined) onWeb?.(url);
  } catch (error) {
    fatal ??= error instanceof Error ? error : new Error(String(error));
    wake();
  }
  await stopped;
  process.removeAllListeners('SIGINT');
  process.removeAllListeners('SIGTERM');
  await Promise.race([app.stop(), new Promise((resolve) => setTimeout(resolve, STOP_DEADLINE_MS).unref())]);
  if (fatal) {
    log.fatal(fatal.message);
    return 1;
  }
  return 0;
}
