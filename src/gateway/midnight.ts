// A timer at every local midnight of a time zone (DST-correct: the next midnight is computed each time).
import { nextLocalMidnight } from '../domain/local-day.ts';

/** Runs `task` just after each local midnight; returns the function that stops it. */
export function atEveryLocalMidnight(timeZone: string, now: () => number, task: () => void): () => void {
  let timer: NodeJS.Timeout | undefined;
  const schedule = () => {
    const at = now();
    const wait = nextLocalMidnight(at, timeZone) - at + 50;
    timer = setTimeout(
      () => {
        task();
        schedule();
      },
      Math.min(wait, 2 ** 31 - 1),
    );
    timer.unref();
  };
  schedule();
  return () => clearTimeout(timer);
}
