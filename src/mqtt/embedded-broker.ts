// An embedded MQTT broker (aedes) on 127.0.0.1: the demo's broker, and the test suite's where mosquitto is absent.
import { createServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { Aedes, type AedesOptions } from 'aedes';

export interface EmbeddedBroker {
  url: string;
  port: number;
  /** Disconnects every client and stops listening. */
  close(): Promise<void>;
}

export interface EmbeddedBrokerOptions {
  /** 0 picks a free port; a taken port rejects (EADDRINUSE). */
  port: number;
  /** aedes hooks, e.g. `authenticate` to require a password. */
  aedes?: AedesOptions;
  /** PEM certificate and key: serve MQTT over TLS (mqtts://). */
  tls?: { cert: string; key: string };
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve((server.address() as { port: number }).port));
  });
}

export async function startEmbeddedBroker(options: EmbeddedBrokerOptions): Promise<EmbeddedBroker> {
  const broker = await Aedes.createBroker(options.aedes);
  const server = options.tls ? createTlsServer(options.tls, broker.handle) : createServer(broker.handle);
  // Tracked so that close() ends half-open connections too (a client still in its CONNECT handshake).
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  let port: number;
  try {
    port = await listen(server, options.port);
  } catch (error) {
    await new Promise<void>((resolve) => broker.close(() => resolve()));
    throw error;
  }
  return {
    url: `${options.tls ? 'mqtts' : 'mqtt'}://127.0.0.1:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        broker.close(() => {
          for (const socket of sockets) socket.destroy();
          server.close(() => resolve());
        });
      }),
  };
}
