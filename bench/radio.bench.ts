/**
 * The radio process's drain loop against the simulated CC1101 on wall-clock time: worst gap
 * between two FIFO services during a packet (the FIFO holds 5.12 ms at 80 us per byte), fullest
 * FIFO, lost telegrams and the radio process's CPU use, idle and at full channel load.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { busyWait } from '../drivers/clock.js';
import { type RadioFrame, type RadioOptions, RadioSupervisor, type RadioStats } from '../src/radio/supervisor.js';
import { addBlockCrcs } from '../src/wmbus/frame/encode.js';
import type { Transmission } from '../drivers/cc1101/sim/ether.js';
import { conformanceTelegrams, telegramOfLength, writeScenario } from '../test/radio/air-fixtures.js';

export const title = 'Radio drain loop (simulated CC1101, wall-clock time)';

const SECONDS = 8;
const GAP_MS = 3;

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

/** Runs until the radio's own clock has passed the air (steady time lags the wall clock). */
async function measure(options: RadioOptions, airMs: number, blockGateway: boolean): Promise<{ stats: RadioStats; frames: number }> {
  const radio = new RadioSupervisor(options);
  let frames = 0;
  radio.on('frame', (_f: RadioFrame) => frames++);
  await radio.start();
  const giveUp = Date.now() + 4 * airMs + 5000;
  while ((await stats(radio)).listenedMs < airMs + 500 && Date.now() < giveUp) {
    await new Promise((r) => setTimeout(r, 700));
    if (blockGateway) busyWait(300);
  }
  const final = await stats(radio);
  await radio.stop();
  return { stats: final, frames };
}

export async function run(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'radio-bench-'));
  try {
    const file = path.join(dir, 'full.jsonl');
    const { transmissions } = fullLoad();
    await writeScenario(file, transmissions);
    const rows: string[] = [];
    const row = (what: string, sent: number, r: { stats: RadioStats; frames: number }) => {
      const s = r.stats;
      const cpu = (100 * s.cpuMs) / s.uptimeMs;
      rows.push(
        `| ${what} | ${sent} | ${r.frames} | ${Math.max(0, sent - s.syncs)} | ${s.overflows} | ${s.timeouts} | ${s.maxServiceGapMs.toFixed(2)} | ${s.maxFifoLevel} | ${cpu.toFixed(1)} % |`,
      );
    };
    const airMs = SECONDS * 1000;
    row('idle air, wall clock', 0, await measure({ radio: 'sim' }, 3000, false));
    const n = transmissions.length;
    const sim = { scenarioFile: file };
    row('full load, wall clock', n, await measure({ radio: 'sim', sim }, airMs, false));
    row('full load, wall clock, gateway blocked 300 ms every second', n, await measure({ radio: 'sim', sim }, airMs, true));
    row('full load, steady simulated time (driver logic only)', n, await measure({ radio: 'sim', sim: { ...sim, time: 'steady' } }, airMs, false));
    return [
      `${SECONDS} s of air with no idle time beyond ${GAP_MS} ms between frames: L=255 T1 frames (435 raw bytes, 35 ms each) alternating`,
      'with C1 frames A and B from the conformance telegrams. The radio runs in its own process as in the gateway, polling over SPI',
      '(no GDO pins). "service gap" is the longest time between two FIFO services from the sync word to the end of a packet',
      '(the FIFO lasts 5.12 ms); "no sync seen" = telegrams sent while the chip was not in RX (re-arm after a late frame end);',
      'CPU is the radio process (driver + simulated chip + IPC) over its lifetime, including start-up.',
      'Wall-clock rows include the scheduling stalls of the machine they ran on (its load is in the heading).',
      '',
      '| run | sent | received | no sync seen | overflows | timeouts | worst service gap (ms) | fullest FIFO (of 64) | radio CPU |',
      '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
      ...rows,
    ].join('\n');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
