// The benchmark's plumbing (bench/lib), which the soak run reuses: statistics, /proc readers, child processes,
// the SSE byte counter and the CPU profile reader. Figures are not asserted here, only that the tools measure.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Child } from '../../bench/lib/children.ts';
import { topFrames } from '../../bench/lib/cpuprofile.ts';
import { cpuMs, loadAverage, memory } from '../../bench/lib/proc.ts';
import { median, percentile, summarize } from '../../bench/lib/stats.ts';
import { SseMeter } from '../../bench/lib/web.ts';

describe('bench statistics', () => {
  it('interpolates percentiles between the closest ranks', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    assert.equal(percentile(values, 50), 50.5);
    assert.equal(percentile(values, 0), 1);
    assert.equal(percentile(values, 100), 100);
    assert.ok(Math.abs(percentile(values, 99) - 99.01) < 1e-9);
    assert.equal(median([3, 1, 2]), 2);
    assert.ok(Number.isNaN(percentile([], 50)));
    assert.deepEqual(summarize([5]), { n: 1, min: 5, p50: 5, p90: 5, p99: 5, max: 5, mean: 5 });
  });
});

describe('bench /proc readers', () => {
  it('see this process use CPU and memory', () => {
    const before = cpuMs(process.pid);
    const until = Date.now() + 200;
    let spin = 0;
    while (Date.now() < until) spin++;
    assert.ok(spin > 0);
    assert.ok(cpuMs(process.pid) > before, 'CPU time grows while the process computes');
    const { rssMb, peakMb } = memory(process.pid);
    assert.ok(rssMb > 10 && peakMb >= rssMb);
    assert.equal(loadAverage().length, 3);
  });
});

describe('bench child processes', () => {
  it('waits on the log and stops the child with SIGINT', async () => {
    const logDir = mkdtempSync(join(tmpdir(), 'bench-child-'));
    const child = Child.spawn(
      'sleeper',
      process.execPath,
      ['-e', "console.log('ready'); setInterval(() => {}, 1000)"],
      { logDir },
    );
    await child.waitForLog(/^ready$/m, 10_000);
    assert.ok(child.alive);
    await child.stop(5000);
    assert.equal(child.alive, false);
    assert.equal((await child.exited).signal, 'SIGINT');
  });

  it('fails at once, with the log, when the child exits without the line', async () => {
    const logDir = mkdtempSync(join(tmpdir(), 'bench-child-'));
    const child = Child.spawn('quitter', process.execPath, ['-e', "console.log('bye')"], { logDir });
    await assert.rejects(child.waitForLog(/never/, 10_000), /quitter exited[\s\S]*bye/);
  });
});

describe('bench SSE meter', () => {
  it('keeps the initial snapshot apart and counts later events and bytes', async () => {
    let stream: ServerResponse | undefined;
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('retry: 2000\n\n');
      res.write('event: state\ndata: {"initial":true}\n\n');
      stream = res;
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    const meter = new SseMeter();
    try {
      await meter.open(`http://127.0.0.1:${port}`, 10_000);
      const initial = 'retry: 2000\n\nevent: state\ndata: {"initial":true}\n\n';
      assert.equal(meter.initialBytes, Buffer.byteLength(initial));
      const later = 'event: call\ndata: {}\n\nevent: state\ndata: {"a":1}\n\n: keep-alive\n\n';
      stream!.write(later);
      for (let i = 0; i < 100 && (meter.events.comment ?? 0) === 0; i++)
        await new Promise((r) => setTimeout(r, 20));
      assert.deepEqual(meter.events, { call: 1, state: 1, comment: 1 });
      assert.equal(meter.bytesBetween(0, Number.MAX_SAFE_INTEGER), Buffer.byteLength(later));
    } finally {
      meter.close();
      stream?.end();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('bench CPU profile reader', () => {
  it('adds self time per function and total time up the stack', () => {
    const frame = (functionName: string) => ({ functionName, url: 'file:///repo/dist/x.js', lineNumber: 9 });
    const profile = {
      nodes: [
        { id: 1, callFrame: frame('(root)'), children: [2] },
        { id: 2, callFrame: frame('publish'), children: [3] },
        { id: 3, callFrame: frame('parseParty'), children: [] },
      ],
      samples: [3, 3, 2, 1],
      timeDeltas: [1000, 1000, 1000, 1000],
    };
    const file = join(mkdtempSync(join(tmpdir(), 'bench-prof-')), 'p.cpuprofile');
    writeFileSync(file, JSON.stringify(profile));
    const { self, total, ms } = topFrames(file, 5, '/repo/');
    assert.equal(ms, 4);
    assert.deepEqual(self[0], { name: 'parseParty dist/x.js:10', selfMs: 2, totalMs: 2 });
    assert.deepEqual(
      total.find((f) => f.name.startsWith('publish')),
      { name: 'publish dist/x.js:10', selfMs: 1, totalMs: 3 },
    );
  });
});
