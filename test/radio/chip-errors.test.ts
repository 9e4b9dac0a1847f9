import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Ether } from '../../drivers/cc1101/sim/ether.js';
import { onAir } from '../../src/radio/sim-air.js';
import { type RadioFrame, RadioSupervisor, type RadioStats } from '../../src/radio/supervisor.js';
import { haveShared, sharedMissing } from '../conformance/shared-files.js';
import { toHex } from '../support/bytes.js';
import { waitFor } from '../support/wait.js';
import { plannedAir, writeScenario } from '../support/air-fixtures.js';

if (!haveShared) console.warn(sharedMissing);

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'chip-errors-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('chip errors in the ether', () => {
  it('invert chips at the configured rate, the same ones for the same seed', () => {
    const bytes = new Uint8Array(10_000);
    const flips = (seed: number) => new Ether(undefined, { perChip: 0.01, seed }).add({ atMs: 0, bytes });
    // 1% of 80,000 chips: the band is the rate; the seed makes the count repeat exactly
    expect(flips(1)).toBeGreaterThan(700);
    expect(flips(1)).toBeLessThan(900);
    expect(flips(1)).toBe(flips(1));
    expect(new Ether().add({ atMs: 0, bytes })).toBe(0);
    expect(bytes.every((b) => b === 0)).toBe(true);
  });

  it.skipIf(!haveShared)(
    'reach the frame core through the radio process: repaired or refused by CRC, never delivered wrong',
    async () => {
      const air = plannedAir(300, 17);
      const chipErrors = { perChip: 1 / 4000, seed: 3 };
      // The same ether the radio process builds, to know which frames went out clean.
      const replica = new Ether(undefined, chipErrors);
      const flipped = air.transmissions.map((t) => replica.add(onAir(t)));
      const clean = flipped.filter((n) => n === 0).length;
      const file = path.join(dir, 'air.jsonl');
      await writeScenario(file, air.transmissions);
      const radio = new RadioSupervisor({ radio: 'sim', sim: { scenarioFile: file, time: 'steady', speed: 20, chipErrors } });
      const frames: RadioFrame[] = [];
      radio.on('frame', (f: RadioFrame) => frames.push(f));
      await radio.start();
      const stats = await waitFor('the radio to listen past the end of the air', async () => {
        const s = await new Promise<RadioStats>((resolve) => {
          radio.once('stats', resolve);
          radio.requestStats();
        });
        return s.listenedMs > air.durationMs + 50 && s;
      });
      await radio.stop();
      const where = `${clean} clean of ${flipped.length}; radio ${JSON.stringify(stats)}`;
      expect(clean, where).toBeLessThan(flipped.length - 20);
      // Every frame delivered is one that was sent, whole, in air order; every clean one arrives.
      const received = frames.map((f) => toHex(f.link.telegram));
      const matched = new Set<number>();
      let next = 0;
      for (const t of received) {
        while (next < air.telegrams.length && air.telegrams[next] !== t) next++;
        expect(next, `${t} was not sent (or not in this order); ${where}`).toBeLessThan(air.telegrams.length);
        matched.add(next++);
      }
      const lostClean = flipped.flatMap((n, i) => (n === 0 && !matched.has(i) ? [i] : []));
      expect(lostClean, where).toEqual([]);
      // Some damaged frames are repaired, the others refused by their CRCs.
      expect(received.length, where).toBeGreaterThan(clean);
      expect(frames.filter((f) => f.link.corrected > 0).length, where).toBeGreaterThan(0);
      expect(stats.crcFailures, where).toBeGreaterThan(0);
      expect(stats.overflows, where).toBe(0);
    },
    60_000,
  );
});
