/**
 * The radio process's drain loop against the simulated CC1101 on wall-clock time: worst gap
 * between two FIFO services during a packet (the FIFO holds 5.12 ms at 80 us per byte), fullest
 * FIFO, lost telegrams, GC pauses and the radio process's CPU use, at full channel load on an idle
 * machine and under a CPU quota of half a core, with and without real-time scheduling.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, rmdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type RadioFrame, type RadioOptions, RadioSupervisor, type RadioStats } from '../src/radio/supervisor.js';
import { addBlockCrcs } from '../src/wmbus/frame/encode.js';
import type { Transmission } from '../src/radio/sim-air.js';
import { conformanceTelegrams, randomAir, telegramOfLength, writeScenario } from '../test/support/air-fixtures.js';
import type { WakeupReport } from './wakeup-probe.js';

export const title = 'Radio drain loop (simulated CC1101, wall-clock time)';

/** Seconds of air per full-load row; WMBUS_BENCH_RADIO_SECONDS shortens a trial run. */
const SECONDS = Number(process.env.WMBUS_BENCH_RADIO_SECONDS ?? 60);
const GAP_MS = 3;
/** Half a core: 1 ms of CPU per 2 ms period, so a stall lasts at most about 1 ms. */
const QUOTA = { periodUs: 2000, quotaUs: 1000 };
const CGROUP_V1 = '/sys/fs/cgroup/cpu';
const CGROUP_V2 = '/sys/fs/cgroup';

/** Back to back for SECONDS: L=255 T1 frames (435 raw bytes, 35 ms) alternating with mixed C1 frames. */
function fullLoad(): { transmissions: Transmission[] } {
  const pool = conformanceTelegrams();
  const longest = telegramOfLength(pool[0]!, 256, 3);
  const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
  const transmissions: Transmission[] = [];
  let at = 5;
  for (let i = 0; at < SECONDS * 1000; i++) {
    const t = i % 2 === 0 ? longest : pool[i % pool.length]!;
    const mode = i % 2 === 0 ? 'T' : 'C';
    const format = mode === 'C' && i % 4 === 3 && t.length <= 252 ? 'B' : 'A';
    const frame = addBlockCrcs(format, t);
    transmissions.push({ atMs: at, mode, frameFormat: format, frameHex: hex(frame), rssi: -70 });
    at += 0.48 + (mode === 'T' ? Math.ceil(frame.length * 1.5) : frame.length + 2) * 0.08 + GAP_MS;
  }
  return { transmissions };
}

async function stats(radio: RadioSupervisor): Promise<RadioStats> {
  return new Promise<RadioStats>((resolve) => {
    radio.once('stats', resolve);
    radio.requestStats();
  });
}

/**
 * A CPU quota for the radio process: a cgroup v1 cpu group (RT tasks there need an RT budget of
 * their own, so it gets the same half core for SCHED_FIFO), or cgroup v2 cpu.max. Says why where
 * neither can be made (not root, no cpu controller).
 */
async function halfCoreGroup(): Promise<{ procs: string; remove: () => Promise<void> } | { refused: string }> {
  const name = `wmbus-radio-bench-${process.pid}`;
  const v1 = existsSync(path.join(CGROUP_V1, 'cpu.cfs_quota_us'));
  if (!v1 && !existsSync(path.join(CGROUP_V2, 'cgroup.controllers'))) return { refused: 'no cgroup cpu controller' };
  const dir = path.join(v1 ? CGROUP_V1 : CGROUP_V2, name);
  try {
    await mkdir(dir);
  } catch (err) {
    return { refused: (err as Error).message };
  }
  const remove = () => rmdir(dir);
  try {
    if (v1) {
      await writeFile(path.join(dir, 'cpu.cfs_period_us'), String(QUOTA.periodUs));
      await writeFile(path.join(dir, 'cpu.cfs_quota_us'), String(QUOTA.quotaUs));
      // The RT budgets of all groups must fit in the parent's (95 % by default): a group left by a
      // killed run holds half of it, and this write then fails with EBUSY.
      if (existsSync(path.join(dir, 'cpu.rt_runtime_us'))) {
        await writeFile(path.join(dir, 'cpu.rt_period_us'), String(QUOTA.periodUs));
        await writeFile(path.join(dir, 'cpu.rt_runtime_us'), String(QUOTA.quotaUs));
      }
    } else {
      await writeFile(path.join(dir, 'cpu.max'), `${QUOTA.quotaUs} ${QUOTA.periodUs}`);
    }
  } catch (err) {
    await remove().catch(() => {});
    return { refused: `${(err as Error).message} (a leftover ${CGROUP_V1}/wmbus-radio-bench-* group of a killed run?)` };
  }
  return { procs: path.join(dir, 'cgroup.procs'), remove };
}

/**
 * The machine's scheduling stalls over the same seconds, from a process that only sleeps (under
 * SCHED_FIFO for the real-time rows; outside the quota's cgroup). Undefined when it could not run.
 */
function wakeupProbe(seconds: number, realtime: boolean): Promise<WakeupReport | undefined> {
  const probe = fileURLToPath(new URL('./wakeup-probe.js', import.meta.url));
  const [file, args] = realtime ? ['chrt', ['-f', '20', process.execPath, probe]] : [process.execPath, [probe]];
  return new Promise((resolve) => {
    execFile(file, [...args, String(seconds)], (err, stdout) => resolve(err ? undefined : (JSON.parse(stdout) as WakeupReport)));
  });
}

interface Row {
  stats: RadioStats;
  /** the wake-up probe that ran beside it */
  machine?: WakeupReport;
  frames: number;
  /** radio processes that died and were restarted (a restarted one plays the scenario again) */
  exits: number;
}

/** Runs until the radio's own clock has passed the air; the radio process goes into `procs` first. */
async function measure(options: RadioOptions, airMs: number, procs?: string): Promise<Row> {
  const radio = new RadioSupervisor(options);
  const wallClock = options.sim?.time !== 'steady';
  const machine = wallClock ? wakeupProbe(airMs / 1000, options.realtime ?? false) : undefined;
  let frames = 0;
  let exits = 0;
  radio.on('frame', (_f: RadioFrame) => {
    if (exits === 0) frames++;
  });
  radio.on('exit', () => exits++);
  radio.on('error', (err: Error) => process.stderr.write(`radio bench: ${err.message}\n`));
  await radio.start();
  if (procs) await writeFile(procs, String(radio.pid));
  const giveUp = Date.now() + 4 * airMs + 5000;
  while ((await stats(radio)).listenedMs < airMs + 500 && Date.now() < giveUp) await new Promise((r) => setTimeout(r, 700));
  const final = await stats(radio);
  await radio.stop();
  return { stats: final, frames, exits: Math.max(0, exits - 1), machine: await machine };
}

export async function run(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'radio-bench-'));
  const group = await halfCoreGroup();
  try {
    const file = path.join(dir, 'full.jsonl');
    const { transmissions } = fullLoad();
    await writeScenario(file, transmissions);
    const n = transmissions.length;
    const rows: string[] = [];
    const row = (what: string, sent: number, r: Row) => {
      const s = r.stats;
      const cpu = (100 * s.cpuMs) / s.uptimeMs;
      const lost = sent - r.frames;
      const m = r.machine ? `${r.machine.worstLateMs.toFixed(2)} / ${r.machine.overFifo}` : '—';
      const died = r.exits > 0 ? ` (radio process died ${r.exits}x; counted up to the first death)` : '';
      rows.push(
        `| ${what}${died} | ${s.realtime ? 'SCHED_FIFO' : 'normal'} | ${sent} | ${r.frames} | ${lost}${sent ? ` (1 in ${lost ? Math.round(sent / lost) : '-'})` : ''} | ` +
          `${s.overflows} | ${s.salvaged} | ${s.timeouts} | ${s.maxServiceGapMs.toFixed(2)} | ${s.maxDeafAfterPacketMs.toFixed(2)} | ${s.maxFifoLevel} | ${s.maxGcPauseMs.toFixed(2)} | ${cpu.toFixed(1)} % | ${m} |`,
      );
    };
    const airMs = SECONDS * 1000;
    const sim = { scenarioFile: file };
    row('idle air', 0, await measure({ radio: 'sim', realtime: false }, 3000));
    for (const realtime of [false, true]) row('full load, no CPU quota', n, await measure({ radio: 'sim', sim, realtime }, airMs));
    if ('procs' in group) {
      for (const realtime of [false, true])
        row('full load, half a core (1 ms per 2 ms)', n, await measure({ radio: 'sim', sim, realtime }, airMs, group.procs));
    }
    row(
      'full load, steady simulated time (driver logic only)',
      n,
      // four simulated ms per real ms: the row measures the driver, not the clock, and the command stays under 8 minutes
      await measure({ radio: 'sim', sim: { ...sim, time: 'steady', speed: 4 }, realtime: false }, airMs),
    );
    // Air no file holds: a fresh seed every run (it is in the row); the corrupted frames are not counted as sent.
    const seed = Date.now() >>> 0;
    const random = randomAir(seed, SECONDS / 2);
    const randomFile = path.join(dir, 'random.jsonl');
    await writeScenario(randomFile, random.transmissions);
    row(
      `random air, seed ${seed}, ${SECONDS / 2} s (${random.corrupted.size} corrupted frames sent too)`,
      random.transmissions.length - random.corrupted.size,
      await measure({ radio: 'sim', sim: { scenarioFile: randomFile }, realtime: true }, (SECONDS / 2) * 1000),
    );
    return [
      `${SECONDS} s of air with no idle time beyond ${GAP_MS} ms between frames: L=255 T1 frames (435 raw bytes, 35 ms each) alternating`,
      'with C1 frames A and B from the conformance telegrams. The radio runs in its own process as in the gateway, polling over SPI',
      '(no GDO pins); the simulated chip runs inside it, so its CPU counts against the quota too.',
      '"service gap" is the longest time between two FIFO services from the sync word to the end of a packet (the FIFO lasts',
      '5.12 ms); "deaf after packet" is the longest time from the end of a packet on air until the chip listened again (a frame',
      'starting sooner is never heard: with 3 ms gaps, more than about 3.3 ms costs the next frame); "salvaged" = frames read',
      'whole from a FIFO that had overflowed after their last byte; "GC" = the longest',
      'garbage-collection pause of the radio process (perf_hooks). "half a core" puts the radio process in a cgroup with a CPU',
      `quota of ${QUOTA.quotaUs / 1000} ms per ${QUOTA.periodUs / 1000} ms (CFS, and the same RT budget for SCHED_FIFO)` +
        ('procs' in group ? '.' : `; this machine allowed no cgroup (${group.refused}), so those rows are missing.`),
      'Wall-clock rows include the scheduling stalls of the machine they ran on (its load is in the heading). "machine" is a',
      'process beside the radio that only sleeps 0.5 ms at a time (real-time when the row is): its latest wake-up and how many',
      "came more than 5.12 ms late. A service gap no longer than that is the machine's, not the radio's.",
      '"random air" mixes T1 and C1 (A and B) frames with L 10..255, gaps of 3-12 ms, RSSI -105..-45 dBm and about 1 frame in 25',
      'with three bits flipped (the radio must refuse those), from a seed drawn at each run.',
      'Goals: no telegram lost on an idle machine; at most 1 in 300 lost at half a core.',
      '',
      '| run | scheduling | sent | received | lost | overflows | salvaged | timeouts | worst service gap (ms) | deaf after packet (ms) | fullest FIFO | longest GC (ms) | radio CPU | machine: latest wake-up (ms) / over 5.12 ms |',
      '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
      ...rows,
    ].join('\n');
  } finally {
    if ('remove' in group) await group.remove().catch(() => {});
    await rm(dir, { recursive: true, force: true });
  }
}
