// One measured gateway: a fresh broker, the timestamping subscriber and the gateway process, stopped together.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { startBroker, type Broker } from './broker.ts';
import { topFrames, type Frame } from './cpuprofile.ts';
import { GatewayProcess, type GatewaySetup } from './gateway.ts';
import type { SimState, SimulatorProcess } from './simulator.ts';
import { TimestampingSubscriber } from './subscriber.ts';

export const BASE_TOPIC = '3cx2mqtt';
export const DISCOVERY_PREFIX = 'homeassistant/device/';

export interface StackOptions {
  cli: string;
  runDir: string;
  /** Gateways run under node --cpu-prof, profiles written here. */
  profileDir?: string;
  /** Repository root, cut from file names in profile summaries. */
  root?: string;
}

export interface StackStop {
  /** SIGINT to exit of the gateway, and whether it had to be killed. */
  stopMs: number;
  killed: boolean;
  profile?: ProfileSummary;
}

export interface StackStop {
  /** SIGINT to exit of the gateway, and whether it had to be killed. */
  stopMs: number;
  killed: boolean;
  profile?: ProfileSummary;
}

export interface ProfileSummary {
  file: string;
  ms: number;
  self: Frame[];
  total: Frame[];
}

/** Discovery configs the gateway should publish in device mode: the PBX plus one per entity. */
export function expectedDevices(state: SimState): number {
  return 1 + state.extensions.length + state.ring_groups.length + state.queues.length + state.trunks.length;
}

export class GatewayStack {
  private constructor(
    readonly broker: Broker,
    readonly subscriber: TimestampingSubscriber,
    readonly gateway: GatewayProcess,
    private readonly options: StackOptions,
    private readonly name: string,
  ) {}

  /** Broker first, then the subscriber (so it sees everything), then the gateway. */
  static async start(
    options: StackOptions,
    sim: SimulatorProcess,
    setup: Omit<GatewaySetup, 'simUrl' | 'brokerUrl' | 'brokerProtocol' | 'cpuProfileDir'>,
  ): Promise<GatewayStack> {
    const broker = await startBroker(options.runDir, `${setup.name}-broker`);
    try {
      const subscriber = await TimestampingSubscriber.connect(broker.url);
      const gateway = GatewayProcess.start(
        options.cli,
        {
          ...setup,
          simUrl: sim.url,
          brokerUrl: broker.url,
          brokerProtocol: broker.kind === 'aedes' ? 4 : 5,
          ...(options.profileDir ? { cpuProfileDir: options.profileDir } : {}),
        },
        options.runDir,
      );
      return new GatewayStack(broker, subscriber, gateway, options, setup.name);
    } catch (error) {
      await broker.stop();
      throw error;
    }
  }

  /** Seconds from spawning the gateway until `expected` discovery configs had arrived. */
  async startupToDiscovery(expected: number, timeoutMs: number): Promise<number> {
    const at = await this.subscriber.waitForCount(
      DISCOVERY_PREFIX,
      expected,
      this.gateway.spawnedAt,
      timeoutMs,
    );
    return (at - this.gateway.spawnedAt) / 1000;
  }

  /** Stops the gateway (SIGINT), then the subscriber and the broker; with the CPU profile's summary if any. */
  async stop(): Promise<StackStop> {
    const { ms, killed } = await this.gateway.stop(this.options.profileDir ? 120_000 : 8000);
    await this.subscriber.close().catch(() => undefined);
    await this.broker.stop();
    const stopped = { stopMs: ms, killed };
    const file = this.options.profileDir
      ? join(this.options.profileDir, `${this.name}.cpuprofile`)
      : undefined;
    if (!file || !existsSync(file)) return stopped;
    return { ...stopped, profile: { file, ...topFrames(file, 15, this.options.root ?? '') } };
  }
}
