// The MQTT broker of a benchmark run as its own process: the real mosquitto, else an aedes broker (said loudly).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, mosquittoBinary } from '../../test/helpers/mosquitto.ts';
import { Child } from './children.ts';
import { waitUntil } from './clock.ts';
import { createConnection } from 'node:net';

export interface Broker {
  kind: 'mosquitto' | 'aedes';
  url: string;
  child: Child;
  stop(): Promise<void>;
}

/** Whether something accepts TCP connections on the loopback port. */
export function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

const AEDES_CHILD = fileURLToPath(new URL('./aedes-child.ts', import.meta.url));

/** Starts a broker on a free loopback port; `name` names its log file in logDir. */
export async function startBroker(logDir: string, name = 'broker'): Promise<Broker> {
  const port = await freePort();
  const binary = mosquittoBinary();
  let child: Child;
  if (binary) {
    const configFile = join(logDir, `${name}.conf`);
    // No limit on queued messages: a slow subscriber must see every message of a 10,000-device discovery burst.
    writeFileSync(
      configFile,
      `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\nmax_queued_messages 0\nlog_type error\n`,
    );
    child = Child.spawn(name, binary, ['-c', configFile], { logDir });
  } else {
    console.error(
      'MISSING mosquitto (apt-get install mosquitto): using an embedded aedes broker in a child process',
    );
    child = Child.spawn(name, process.execPath, ['--import', 'tsx', AEDES_CHILD, String(port)], { logDir });
  }
  await waitUntil(`${name} listening on ${port}`, async () => !child.alive || (await portOpen(port)), 15_000);
  if (!child.alive) throw new Error(`${name} exited at start; log ${child.logFile}:\n${child.log()}`);
  return {
    kind: binary ? 'mosquitto' : 'aedes',
    url: `mqtt://127.0.0.1:${port}`,
    child,
    stop: async () => void (await child.stop(3000)),
  };
}
