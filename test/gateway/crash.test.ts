/**
 * Power cuts: the service runs as a real child process, taking telegrams, and is killed with
 * SIGKILL at random moments, up to 200 times (two lanes of up to 100 in parallel, about a minute
 * on two idle cores; on a busy machine a lane stops after its time budget, but never before 30 kills). After every kill the store must load without complaint and hold every reading the
 * service had reported flushed: so at most the readings of the last batch interval are lost. At
 * the end the hourly and daily deltas must add up to exactly what the meter's counter moved,
 * across all the restarts (nothing counted twice, nothing negative).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Gateway } from '../../src/gateway/gateway.js';
import { openStore } from '../../src/gateway/open-store.js';
import { silentLogger } from '../../src/model/log.js';
import { CRASH_METER, CRASH_T0, crashLitres } from './crash-feed.js';
import { repoRoot } from '../conformance/shared-files.js';
import { tempDir, testConfig } from '../support/gateway-harness.js';

const KILLS_PER_LANE = 100;
// Each kill costs a child's start-up, which a loaded CI machine stretches several times: a lane
// ends after its budget once it has this many kills, so the test fits its time-out at any load.
const MIN_KILLS_PER_LANE = 30;
const LANE_BUDGET_MS = 150_000;
const LANES = 2;
const FLUSH_INTERVAL_S = 0.1;
const child = path.join(repoRoot, 'test', 'gateway', 'crash-child.ts');

interface Life {
  start?: number;
  flushed: number;
  fed: number;
}

/**
 * Runs the service until SIGKILL: `lifeMs` after it was spawned (a kill during start-up), or after
 * it said it started (a kill while telegrams pour in), whatever the machine's load makes start-up cost.
 */
function runUntilKilled(dir: string, lifeMs: number, from: 'spawn' | 'start'): Promise<Life> {
  return new Promise((resolve, reject) => {
    const life: Life = { flushed: -1, fed: -1 };
    const p: ChildProcess = spawn(process.execPath, ['--import', 'tsx', child, dir, String(FLUSH_INTERVAL_S)], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let buffer = '';
    let stderr = '';
    p.stdout!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const lines = buffer.split('\n');
      buffer = lines.pop()!;
      for (const line of lines) {
        const [what, n] = line.split(' ');
        if (what === 'start') {
          life.start = Number(n);
          if (from === 'start') timer = setTimeout(() => p.kill('SIGKILL'), lifeMs);
        } else if (what === 'flushed') life.flushed = Math.max(life.flushed, Number(n));
        else if (what === 'fed') life.fed = Number(n);
      }
    });
    p.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    // A service that never says it started is killed all the same, later.
    let timer = setTimeout(() => p.kill('SIGKILL'), from === 'spawn' ? lifeMs : 30_000);
    p.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (signal !== 'SIGKILL') reject(new Error(`the service exited by itself (${signal ?? code}): ${stderr}`));
      else resolve(life);
    });
  });
}

async function lane(
  seed: number,
): Promise<{ dir: string; remove: () => Promise<void>; flushedBeforeLastKill: number; kills: number; lost: number[] }> {
  const tmp = await tempDir();
  let random = seed;
  const next = () => (random = (random * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  let flushedBefore = -1;
  const lost: number[] = [];
  let previousFed = -1;
  const began = Date.now();
  let kill = 0;
  for (; kill < KILLS_PER_LANE; kill++) {
    if (kill >= MIN_KILLS_PER_LANE && Date.now() - began > LANE_BUDGET_MS) break;
    // Random moments: during start-up (loading, claiming) as well as while telegrams pour in.
    const life = await runUntilKilled(tmp.dir, kill % 2 === 0 ? 150 + next() * 850 : next() * 600, kill % 2 === 0 ? 'spawn' : 'start');
    if (life.start !== undefined) {
      // Everything the previous life reported flushed was found on start.
      expect(life.start, `life ${kill}`).toBeGreaterThanOrEqual(flushedBefore);
      if (previousFed >= 0) lost.push(previousFed - life.start);
    }
    // The store loads after every kill, without a damaged file to move aside. The one thing a
    // kill may leave is the end of a journal line the kernel had not finished writing.
    const warnings: string[] = [];
    await openStore(testConfig(tmp.dir), { ...silentLogger, warn: (m) => warnings.push(m) });
    expect(
      warnings.filter((w) => !/the last line was cut off/.test(w)),
      `after kill ${kill}`,
    ).toEqual([]);
    flushedBefore = Math.max(flushedBefore, life.flushed);
    if (life.fed >= 0) previousFed = life.fed;
  }
  return { ...tmp, flushedBeforeLastKill: flushedBefore, kills: kill, lost };
}

describe('SIGKILL at random moments', () => {
  it('the store always loads, keeps every flushed reading, and its deltas add up', async () => {
    const lanes = await Promise.all(Array.from({ length: LANES }, (_, i) => lane(7 + i * 1000)));
    for (const l of lanes) {
      const gw = await Gateway.open({ config: testConfig(l.dir) });
      const latest = gw.latest(CRASH_METER)!;
      const seq = Math.round((latest.time - CRASH_T0) / 60_000);
      expect(seq).toBeGreaterThanOrEqual(l.flushedBeforeLastKill);
      expect(latest.counters['volume']).toBeCloseTo(crashLitres(seq) / 1000, 9);
      // Reading 1 was the first one: the meter moved crashLitres(seq) - crashLitres(1) litres since.
      const moved = (crashLitres(seq) - crashLitres(1)) / 1000;
      const all = { from: 0, to: CRASH_T0 + (seq + 1) * 60_000 };
      const hours = gw.history(CRASH_METER, { resolution: 'hour', ...all });
      const days = gw.history(CRASH_METER, { resolution: 'day', ...all });
      const sum = (rows: typeof hours) => rows.reduce((s, r) => s + (r.deltas['volume'] ?? 0), 0);
      expect(sum(hours)).toBeCloseTo(moved, 6);
      expect(sum(days)).toBeCloseTo(moved, 6);
      expect(hours.every((h) => (h.deltas['volume'] ?? 0) >= 0)).toBe(true);
      // The run crossed the spring DST change: that local day had 23 hours.
      const dstDay = days.find((d) => d.local.startsWith('2025-03-30'));
      if (dstDay) expect((dstDay.end - dstDay.start) / 3_600_000).toBe(23);
      expect(l.lost.length).toBeGreaterThan(l.kills / 4);
      console.log(
        `crash lane: ${l.kills} kills, ${seq} readings kept; readings lost per kill: median ${median(l.lost)}, max ${Math.max(...l.lost)} (not flushed yet when killed)`,
      );
      await gw.stop();
      await l.remove();
    }
  }, 420_000);
});

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
}
