/**
 * The demo as `npm start` runs it (the compiled service with the start script's Node flags): memory
 * and CPU of the gateway and its radio process over time, then with the radio process held to a
 * quarter of a core (a cgroup CPU quota, as on a loaded Pi Zero 2 W). Needs Linux; the quota needs root.
 * `npm run bench -- footprint` runs 10 minutes; `npm run bench -- footprint --minutes 60` runs an hour into a
 * section of its own and reports the trend (least-squares slope from minute 1 on), to show the pair stays flat.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { RADIO_NODE_FLAGS } from '../src/radio/supervisor.js';
import { repoRoot } from './paths.js';

export const title = 'Footprint of the running demo (gateway + radio process)';

const STANDARD_MINUTES = 10;
const QUOTA_MINUTES = 1;
const SAMPLE_MS = 10_000;
const here = path.dirname(fileURLToPath(import.meta.url));
const cliMain = path.join(here, '..', 'src', 'cli', 'main.js');

/** `--minutes N` from the bench options (default 10): a whole number of minutes, at least 1. */
function minutes(options: string[]): number {
  const at = options.indexOf('--minutes');
  if (at < 0) return STANDARD_MINUTES;
  const value = Number(options[at + 1]);
  if (!Number.isInteger(value) || value < 1) throw new Error(`--minutes needs a whole number of minutes, got ${options[at + 1]}`);
  return value;
}

/** A run longer than the standard one keeps its own section, so the 10-minute table stays beside it. */
export function section(options: string[]): { name: string; title: string } | undefined {
  const length = minutes(options);
  if (length === STANDARD_MINUTES) return undefined;
  return { name: `footprint-${length}min`, title: `Footprint over ${length} minutes (gateway + radio process)` };
}

/** The Node flags of `npm start`: the figures are those of the service as users start it. */
export function startFlags(): string[] {
  const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  const words = pkg.scripts['start']!.split(/\s+/);
  return words.slice(1, words.indexOf('bin/wmbus-gateway.js'));
}

interface Memory {
  rss: number;
  private: number;
  shared: number;
}

/** kB from smaps_rollup: private pages are this process's own, shared ones (the Node binary) are shared. */
function memory(pid: number): Memory {
  const text = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(text)?.[1] ?? 0);
  return { rss: kb('Rss'), private: kb('Private_Clean') + kb('Private_Dirty'), shared: kb('Shared_Clean') + kb('Shared_Dirty') };
}

/** CPU ms used so far (utime + stime, in clock ticks of 10 ms). */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

interface Sample {
  atS: number;
  gateway: Memory;
  radio: Memory;
  gatewayCpuMs: number;
  radioCpuMs: number;
}

function sample(gateway: number, radio: number, startedMs: number): Sample {
  return {
    atS: (Date.now() - startedMs) / 1000,
    gateway: memory(gateway),
    radio: memory(radio),
    gatewayCpuMs: cpuMs(gateway),
    radioCpuMs: cpuMs(radio),
  };
}

const mib = (kb: number): string => (kb / 1024).toFixed(1);
/** Both processes' private pages plus the shared pages once: what the pair costs the board. */
const pairKb = (s: Sample): number => s.gateway.private + s.radio.private + Math.max(s.gateway.shared, s.radio.shared);

/** Least-squares slope in MiB per hour of kB values sampled at the given seconds. */
function slopeMibPerHour(points: { atS: number; kb: number }[]): number {
  const n = points.length;
  const meanT = points.reduce((sum, p) => sum + p.atS, 0) / n;
  const meanKb = points.reduce((sum, p) => sum + p.kb, 0) / n;
  let num = 0;
  let den = 0;
  for (const p of points) {
    num += (p.atS - meanT) * (p.kb - meanKb);
    den += (p.atS - meanT) ** 2;
  }
  return den === 0 ? 0 : ((num / den) * 3600) / 1024;
}

/** How the pair and each process's private pages moved from minute 1 on, as slopes and ranges. */
function trend(samples: Sample[], minutes: number): string {
  const after = samples.filter((s) => s.atS >= 60);
  const line = (what: string, kb: (s: Sample) => number) => {
    const values = after.map(kb);
    const slope = slopeMibPerHour(after.map((s) => ({ atS: s.atS, kb: kb(s) })));
    return `| ${what} | ${slope >= 0 ? '+' : ''}${slope.toFixed(2)} | ${mib(Math.min(...values))} – ${mib(Math.max(...values))} |`;
  };
  return [
    `Trend from minute 1 on (${after.length} samples; least-squares slope` +
      (minutes < 60 ? '; over a few minutes it mostly shows the 1-2 MiB noise of the samples, the hour run is the flatness check' : '') +
      '):',
    '',
    '| what | slope (MiB/hour) | range (MiB) |',
    '| --- | ---: | --- |',
    line('pair', pairKb),
    line('gateway private', (s) => s.gateway.private),
    line('radio private', (s) => s.radio.private),
  ].join('\n');
}

function row(label: string, s: Sample, from: Sample | undefined): string {
  const seconds = from ? s.atS - from.atS : 0;
  const pct = (ms: number) => (from ? `${((100 * ms) / (seconds * 1000)).toFixed(1)}%` : '—');
  return (
    `| ${label} | **${mib(pairKb(s))}** | ${mib(s.gateway.rss + s.radio.rss)} | ${mib(s.gateway.private)} / ${mib(s.gateway.shared)} | ` +
    `${mib(s.radio.private)} / ${mib(s.radio.shared)} | ${pct(s.gatewayCpuMs - (from?.gatewayCpuMs ?? 0))} | ` +
    `${pct(s.radioCpuMs - (from?.radioCpuMs ?? 0))} |`
  );
}

/** A CPU quota for one process: cgroup v1 (cpu controller) or v2; undefined when neither is writable. */
function quarterCore(pid: number): (() => void) | undefined {
  const v1 = '/sys/fs/cgroup/cpu';
  const v2 = '/sys/fs/cgroup';
  const v1Ok = existsSync(path.join(v1, 'cpu.cfs_quota_us'));
  const dir = path.join(v1Ok ? v1 : v2, `wmbus-bench-radio-${process.pid}`);
  try {
    mkdirSync(dir);
    if (v1Ok) {
      writeFileSync(path.join(dir, 'cpu.cfs_period_us'), '100000');
      writeFileSync(path.join(dir, 'cpu.cfs_quota_us'), '25000');
    } else writeFileSync(path.join(dir, 'cpu.max'), '25000 100000');
    writeFileSync(path.join(dir, 'cgroup.procs'), String(pid));
  } catch {
    return undefined;
  }
  return () => {
    try {
      writeFileSync(path.join(v1Ok ? v1 : v2, 'cgroup.procs'), String(pid));
    } catch {
      // the process already ended
    }
    rmdirSync(dir);
  };
}

/** What the measurements while choosing the flags showed (kept with the table it explains). */
const NOTE = `Where it goes (demo runs of 60-80 s side by side on this machine; figures move by 1-2 MiB with what else maps
the Node binary): the floor row is Node.js itself, about 46 MiB for the two processes (33 MiB of the binary's pages,
shared, and 6 MiB private each). Above it: the gateway's private memory, about 15 MiB (V8 heap 7 MiB live: about
2 MiB of it Node's own http, crypto and stream modules, 1.7 MiB bytecode, 1 MiB module sources; 6.6 MiB malloc heap);
the radio process's, about 12 MiB; and the optimising compiler's machine code, about 4 MiB of the binary that only
the radio process touches (its 41 MiB of shared pages are the larger of the two, so they are the ones counted).
Time zones read from the OS tz database instead of Intl, and sorting without localeCompare, keep ICU's tables out of
the gateway: its shared pages went from 44.8 to 37.6 MiB, the pair from 73 to 67-68 MiB measured side by side.
Earlier steps: nothing changed 80 MiB; MQTT client loaded only with a broker 74; 1 MB young generation and
main-thread GC 71; the gateway with --lite-mode 67 (ICU still in). Measured and not taken, on the radio process:
no optimising compiler (--no-opt) 63 MiB, but 38% more radio CPU in the demo; --lite-mode 62 MiB, 50% more;
--optimize-for-size about 1 MiB less, within the noise. So 64 MB (61.0 MiB) is out of reach with two Node.js
processes: it leaves 15 MiB above the floor, and the gateway's code, web server and store plus the radio loop
need 21-23 MiB today (17 MiB even with the radio process interpreted or baseline-compiled only).`;

/** The radio loop in a worker thread, measured with a prototype that was not kept (2026-12-03). */
const WORKER_NOTE = `The radio loop in a worker thread instead of a second process (a prototype, not merged; the demo side by side with
the pair, five runs of 3-10 minutes on this machine at a load of 8-14; the pair itself measured 69.2-75.6 MiB across
them): Node.js with one idle worker costs 49.1 MiB against 45.8 for two idle processes (a worker starts without the
start-up snapshot: 7 MiB private and 3.5 MiB more of the binary paged in). V8 flags are per process, so the worker
runs under the gateway's --lite-mode, the radio loop interpreted, and that is where the saving comes from: 6.7-10.5
MiB below the pair of the same run, landing at 61.1-68.9 MiB (the 10-minute run: 63.1 against 70.7), with 44% more
radio CPU (30.2 against 21.0 s in those 10 minutes). That is the trade the radio process with --lite-mode makes too
(69.4 against 75.6 in one run). Keeping the optimising compiler, the one process costs more than the pair (74.8
against 69.2); with --no-concurrent-recompilation it saves 4.7-5.7 MiB at equal CPU (70.3 and 69.9 against 75.0 and
75.6); --jitless gives 62.3-62.8 at lite's CPU. Latency could not tell them apart at this load: 20 s of random air,
3 seeds, lost 54-178 of 878 frames in the process and 68-127 in the worker, worst service gap 68-97 and 64-106 ms.
What does not carry over: a native crash (the SPI or GPIO addon, a V8 abort) takes the gateway down with the radio;
the radio's heap flags become the worker's resourceLimits; the compiler and GC flags are the process's;
process.cpuUsage counts all threads (a thread's own CPU is in /proc/thread-self/stat). SCHED_FIFO and nice do work
per thread (chrt -p with the worker's TID). Not taken: its best run was 61.1 MiB, above the target, and only with
the radio interpreted.`;

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function radioPid(gateway: ChildProcess): Promise<number> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    try {
      return Number(
        execFileSync('pgrep', ['-P', String(gateway.pid)])
          .toString()
          .trim()
          .split('\n')[0],
      );
    } catch {
      await wait(200);
    }
  }
  throw new Error('the radio process did not start within 30 s');
}

/**
 * What Node.js itself costs: two processes that load nothing and wait, with the gateway's and the radio
 * process's flags, sampled after 10 s like the demo: the pair no tuning of this code can go below.
 */
async function floor(gatewayFlags: string[]): Promise<string> {
  const idle = (flags: readonly string[]) =>
    spawn(process.execPath, [...flags, '-e', 'setInterval(() => {}, 60_000)'], { stdio: ['ignore', 'ignore', 'inherit'] });
  const pair = [idle(gatewayFlags), idle(RADIO_NODE_FLAGS)];
  try {
    const started = Date.now();
    await wait(10_000);
    // no CPU column: what they used is their own start-up
    return row('floor: two idle `node` processes, 10 s', sample(pair[0]!.pid!, pair[1]!.pid!, started), undefined);
  } finally {
    for (const p of pair) p.kill('SIGTERM');
  }
}

export async function run(options: string[]): Promise<string> {
  const length = minutes(options);
  const flags = startFlags();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'wmbus-footprint-'));
  const script = `const { main } = await import(${JSON.stringify(cliMain)}); process.exitCode = await main(process.argv.slice(1));`;
  const gateway = spawn(process.execPath, [...flags, '--input-type=module', '-e', script, 'run', '--data', dir], {
    // a port of its own, so that a gateway already running on this machine does not stop the bench
    env: { ...process.env, WMBUS_HTTP_PORT: String(20_000 + (process.pid % 20_000)), WMBUS_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  try {
    const radio = await radioPid(gateway);
    const started = Date.now();
    const samples: Sample[] = [sample(gateway.pid!, radio, started)];
    const at = (minutes: number) => samples.find((s) => s.atS >= minutes * 60 - 1)!;
    while (samples.at(-1)!.atS < length * 60) {
      await wait(SAMPLE_MS);
      samples.push(sample(gateway.pid!, radio, started));
    }
    const pairs = samples.filter((s) => s.atS >= 60).map(pairKb);
    const marks = [...new Set([Math.min(STANDARD_MINUTES, length), length])].filter((m) => m > 1);
    const rows = [row('1 min', at(1), samples[0]!), ...marks.map((m) => row(`${m} min`, at(m), at(1)))];
    const release = quarterCore(radio);
    let quota = 'The radio process could not be given a CPU quota here (needs root and a cgroup cpu controller).';
    if (release) {
      const from = samples.at(-1)!;
      await wait(QUOTA_MINUTES * 60_000);
      const limited = sample(gateway.pid!, radio, started);
      release();
      quota = [
        `With the radio process held to a quarter of a core (CPU quota 25 ms per 100 ms) for the next ${QUOTA_MINUTES} min:`,
        '',
        '| when | pair (MiB) | RSS sum (MiB) | gateway private / shared | radio private / shared | gateway CPU | radio CPU |',
        '| --- | --- | --- | --- | --- | --- | --- |',
        row(`quarter core, ${QUOTA_MINUTES} min`, limited, from),
      ].join('\n');
    }
    const floorRow = await floor(flags);
    return [
      `The demo started as \`npm start\` does (Node flags \`${flags.join(' ') || 'none'}\`), sampled every ${SAMPLE_MS / 1000} s.`,
      'Pair = private pages of both processes + their shared pages once (from `/proc/PID/smaps_rollup`;',
      'RSS alone counts the Node binary twice). CPU is the share of one core over the interval before the row',
      '(1 min: since start; later rows: since minute 1).',
      '',
      '| when | pair (MiB) | RSS sum (MiB) | gateway private / shared | radio private / shared | gateway CPU | radio CPU |',
      '| --- | --- | --- | --- | --- | --- | --- |',
      ...rows,
      floorRow,
      '',
      `From minute 1 on the pair stayed between ${mib(Math.min(...pairs))} and ${mib(Math.max(...pairs))} MiB. ` +
        'Target: at most 64 MB (61.0 MiB). The floor row is Node.js alone with the same flags (gateway / radio process).',
      '',
      trend(samples, length),
      '',
      ...(length === STANDARD_MINUTES ? [NOTE, '', WORKER_NOTE, ''] : []),
      quota,
    ].join('\n');
  } finally {
    gateway.kill('SIGTERM');
    await new Promise((resolve) => gateway.once('exit', resolve));
    await rm(dir, { recursive: true, force: true });
  }
}
