import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RadioError, type RadioFrame, RadioSupervisor, type RadioStats } from '../../src/radio/supervisor.js';
import { haveShared } from '../conformance/shared-files.js';
import { plannedAir } from '../support/air-fixtures.js';
import { toHex } from '../support/bytes.js';
import { waitFor } from '../support/wait.js';
import { rejection } from '../support/errors.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'radio-sup-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function waitUntil(test: () => boolean, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (!test() && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
}

describe('RadioSupervisor', () => {
  it('fails to start with the chip check message when no CC1101 answers', async () => {
    const radio = new RadioSupervisor({ radio: 'sim', sim: { absent: true } });
    await rejection(
      radio.start(),
      RadioError,
      /^no CC1101 answered on \/dev\/spidev0\.0 \(simulated CC1101\): check wiring and that SPI is enabled/,
    );
  });

  it('starts a clone chip and warns once, naming its VERSION', async () => {
    const radio = new RadioSupervisor({ radio: 'sim', sim: { time: 'steady', fault: 'clone' } });
    const warnings: string[] = [];
    radio.on('warning', (m: string) => warnings.push(m));
    await radio.start();
    await waitUntil(() => warnings.length > 0, 5000);
    await radio.stop();
    expect(warnings).toEqual([expect.stringContaining('reports VERSION 0x17')]);
  });

  it('does not start a chip whose PLL never locks, and says so', async () => {
    const radio = new RadioSupervisor({ radio: 'sim', sim: { time: 'steady', fault: 'pll-unlocked' } });
    await rejection(radio.start(), RadioError, /PLL lock/);
  });

  it('takes the fault from WMBUS_SIM_FAULT and refuses a name it does not know', async () => {
    process.env.WMBUS_SIM_FAULT = 'absent';
    try {
      await rejection(
        new RadioSupervisor({ radio: 'sim', sim: { time: 'steady' } }).start(),
        RadioError,
        /check wiring and that SPI is enabled/,
      );
      process.env.WMBUS_SIM_FAULT = 'loose-wire';
      await rejection(
        new RadioSupervisor({ radio: 'sim', sim: { time: 'steady' } }).start(),
        RadioError,
        'WMBUS_SIM_FAULT=loose-wire is not a simulated fault; use one of absent, clone, gdo2-unwired, pll-unlocked',
      );
    } finally {
      delete process.env.WMBUS_SIM_FAULT;
    }
  });

  it.skipIf(!haveShared)('names GDO2 and its BCM pin when GDO2 is not wired, then polls and still receives', async () => {
    const air = plannedAir(3, 31);
    air.transmissions.forEach((t, i) => (t.atMs = 50 + i * 100));
    const file = path.join(dir, 'unwired.jsonl');
    await writeFile(file, air.transmissions.map((t) => JSON.stringify(t)).join('\n'));
    const radio = new RadioSupervisor({
      radio: 'sim',
      pins: { gdo2: 25 },
      sim: { scenarioFile: file, time: 'steady', fault: 'gdo2-unwired' },
    });
    const errors: string[] = [];
    const warnings: string[] = [];
    const frames: RadioFrame[] = [];
    radio.on('error', (e: Error) => errors.push(e.message));
    radio.on('warning', (m: string) => warnings.push(m));
    radio.on('frame', (f: RadioFrame) => frames.push(f));
    await radio.start();
    await waitUntil(() => frames.length >= 3, 10_000);
    await radio.stop();
    expect(errors).toEqual([expect.stringMatching(/^GDO2 is not wired to BCM pin 25 .*did not follow/)]);
    expect(warnings).toEqual([expect.stringContaining('polling the CC1101 over SPI instead')]);
    expect(frames.map((f) => toHex(f.link.telegram))).toEqual(air.telegrams);
  });

  it('stops a polling radio cleanly: exit code 0 and no error, with the bus closed only once', async () => {
    // Steady time polls the FIFO in slices; a slice still queued when the stop arrives must not
    // touch the closed bus (spi-device throws then, and so does the simulated chip).
    const radio = new RadioSupervisor({ radio: 'sim', sim: { time: 'steady' } });
    const errors: Error[] = [];
    radio.on('error', (e: Error) => errors.push(e));
    const exited = new Promise<unknown[]>((resolve) => radio.once('exit', (...args: unknown[]) => resolve(args)));
    await radio.start();
    await new Promise((r) => setTimeout(r, 100));
    await radio.stop();
    expect(await exited).toEqual([0, null]);
    expect(errors).toEqual([]);
  });

  it('rejects start with the reason when the radio process cannot be started at all', async () => {
    // fork() reports a failed spawn only as an 'error' event, never 'exit'.
    const execPath = process.execPath;
    process.execPath = path.join(dir, 'no-such-node');
    try {
      const radio = new RadioSupervisor({ radio: 'sim', sim: { time: 'steady' } });
      await rejection(radio.start(), RadioError, /^cannot start the radio process: .*ENOENT/);
    } finally {
      process.execPath = execPath;
    }
  });

  it('says which scenario line is wrong', async () => {
    const file = path.join(dir, 'bad.jsonl');
    await writeFile(file, '{"atMs": 1, "mode": "T", "frameHex": "0A44"}\n{"atMs": 2, "mode": "X"}\n');
    const radio = new RadioSupervisor({ radio: 'sim', sim: { scenarioFile: file } });
    await rejection(
      radio.start(),
      RadioError,
      /bad\.jsonl line 1: frameHex has 2 bytes, but a format A frame with L=10 has 15 with its CRCs/,
    );
  });

  it.skipIf(!haveShared)('restarts a radio process that dies, and the new one receives', async () => {
    // An air module that sends one telegram every 50 ms, forever.
    const air = plannedAir(1, 21);
    const modulePath = path.join(dir, 'air.mjs');
    await writeFile(modulePath, `export function* createAir(o) { for (let i = 0; ; i++) yield { ...o.tx, atMs: 20 + i * 50 }; }\n`);
    const radio = new RadioSupervisor({
      radio: 'sim',
      sim: { airModule: modulePath, airOptions: { tx: air.transmissions[0] }, time: 'steady' },
    });
    const frames: RadioFrame[] = [];
    const errors: Error[] = [];
    radio.on('frame', (f: RadioFrame) => frames.push(f));
    radio.on('error', (e: Error) => errors.push(e));
    await radio.start();
    const firstPid = radio.pid!;
    await waitFor('two frames', () => frames.length >= 2);
    process.kill(firstPid, 'SIGKILL');
    await waitFor('a new radio process', () => radio.pid !== firstPid && radio.pid !== undefined);
    const before = frames.length;
    await waitFor('two frames from the new process', () => frames.length >= before + 2);
    const stats = await new Promise<RadioStats>((resolve) => {
      radio.once('stats', resolve);
      radio.requestStats();
    });
    await radio.stop();
    expect(errors.map((e) => e.message)).toEqual([expect.stringMatching(/radio process died \(SIGKILL\); restarting it/)]);
    expect(stats.restarts).toBe(1);
    expect(toHex(frames.at(-1)!.link.telegram)).toBe(air.telegrams[0]);
  });

  it.skipIf(!haveShared)('with GDO2 configured the radio waits for the pin and receives what it sees', async () => {
    // Wall-clock time (a steady-time simulation polls and never watches the pin). A stalled machine
    // may cost a telegram, so the air repeats the five, one every 100 ms, until each has arrived.
    const air = plannedAir(5, 31);
    const modulePath = path.join(dir, 'gdo2-air.mjs');
    await writeFile(
      modulePath,
      `export function* createAir(o) { for (let i = 0; ; i++) yield { ...o.txs[i % o.txs.length], atMs: 50 + i * 100 }; }\n`,
    );
    const radio = new RadioSupervisor({
      radio: 'sim',
      pins: { gdo2: 25 },
      sim: { airModule: modulePath, airOptions: { txs: air.transmissions } },
    });
    const received = new Set<string>();
    const wrong: string[] = [];
    radio.on('frame', (f: RadioFrame) => {
      const telegram = toHex(f.link.telegram);
      if (air.telegrams.includes(telegram)) received.add(telegram);
      else wrong.push(telegram);
    });
    await radio.start();
    try {
      await waitFor('each of the five telegrams', () => received.size === 5, { seen: () => `${received.size} of 5` });
    } finally {
      await radio.stop();
    }
    expect([...received].sort()).toEqual([...air.telegrams].sort());
    expect(wrong).toEqual([]);
  });
});
