// `3cx2mqtt run`: the gateway until SIGINT/SIGTERM (exit 0 within 5 s) or a fatal error (exit 1).
import type { Config } from '../config/schema.ts';
import { Gateway } from '../gateway/gateway.ts';
import { createLogger, type Logger } from '../log.ts';

const STOP_DEADLINE_MS = 4500;

export async function runGateway(
  config: Config,
  log: Logger = createLogger(config.log.level),
): Promise<number> {
  let fatal: Error | undefined;
  let wake: () => void = () => undefined;
  const stopped = new Promise<void>((resolve) => (wake = resolve));
  const gateway = new Gateway({
    config,
    log,
    onFatal: (error) => {
      fatal = error;
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
    { pbx: config.pbx.url, mqtt: config.mqtt.url.replace(/\/\/[^@/]*@/, '//'), id: config.pbx.id },
    '3cx2mqtt starting',
  );
  gateway.start();
  await stopped;
  process.removeAllListeners('SIGINT');
  process.removeAllListeners('SIGTERM');
  await Promise.race([
    gateway.stop(),
    new Promise((resolve) => setTimeout(resolve, STOP_DEADLINE_MS).unref()),
  ]);
  if (fatal) {
    log.fatal(fatal.message);
    return 1;
  }
  return 0;
}
