// Fuzz runner: fast-check bounded in time per property, with a seed that is printed and can be replayed
// (FUZZ_SEED, and FUZZ_PATH to jump to the shrunk case), and the figures (runs, time) as a test diagnostic.
import { randomInt } from 'node:crypto';
import type { TestContext } from 'node:test';
import fc from 'fast-check';

export interface FuzzOptions<Ts> {
  /** Wall-clock bound of the whole property (default 2.5 s). */
  timeMs?: number;
  /** Upper bound of runs (default 10,000: the time bound is what usually ends a property). */
  numRuns?: number;
  /** Cases always run first: seeds' counterexamples that once failed, kept as explicit regressions. */
  examples?: Ts[];
}

/** The seed of this run: FUZZ_SEED when given (to replay a failure), else a fresh one. */
export function fuzzSeed(): number {
  const given = process.env.FUZZ_SEED;
  if (given === undefined || given === '') return randomInt(2 ** 31);
  const seed = Number(given);
  if (!Number.isSafeInteger(seed)) throw new Error(`FUZZ_SEED must be a whole number, got "${given}"`);
  return seed;
}

export interface FuzzFigures {
  name: string;
  runs: number;
  ms: number;
  seed: number;
}

/** Runs a property; throws with fast-check's report and the command line that replays it when it fails. */
export async function fuzz<Ts>(
  t: TestContext,
  name: string,
  property: fc.IProperty<Ts> | fc.IAsyncProperty<Ts>,
  options: FuzzOptions<Ts> = {},
): Promise<FuzzFigures> {
  const seed = fuzzSeed();
  const path = process.env.FUZZ_PATH;
  const started = performance.now();
  const details = await fc.check(property as fc.IRawProperty<Ts>, {
    seed,
    numRuns: options.numRuns ?? 10_000,
    plugins: [fc.interruptAfterTimeLimit(options.timeMs ?? 2500)],
    ...(options.examples ? { examples: options.examples } : {}),
    ...(path ? { path } : {}),
  });
  const figures = { name, runs: details.numRuns, ms: Math.round(performance.now() - started), seed };
  t.diagnostic(`fuzz ${name}: ${figures.runs} runs in ${figures.ms} ms (seed ${seed})`);
  if (details.failed) {
    const replay = `FUZZ_SEED=${seed}${details.counterexamplePath ? ` FUZZ_PATH=${details.counterexamplePath}` : ''}`;
    throw new Error(
      `fuzz ${name} failed (seed ${seed}); replay with ${replay} and --test-name-pattern\n` +
        `${String(details.errorInstance)}\n${fc.defaultReportMessage(details) ?? ''}`,
    );
  }
  return figures;
}
