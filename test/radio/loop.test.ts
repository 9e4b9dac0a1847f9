import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../drivers/clock.js';
import { Cc1101 } from '../../drivers/cc1101/cc1101.js';
import { REG } from '../../drivers/cc1101/registers.js';
import { SimCc1101 } from '../../drivers/cc1101/sim/chip.js';
import { Ether } from '../../drivers/cc1101/sim/ether.js';
import { RECALIBRATE_MS, RadioLoop } from '../../src/radio/loop.js';
import type { RadioFrame } from '../../src/radio/messages.js';
import { type Transmission, onAir } from '../../src/radio/sim-air.js';
import { t1Transmission } from '../support/air-fixtures.js';

/** One FSCTRL0 step: 26 MHz / 2^14. */
const TRIM_STEP_HZ = 26e6 / 2 ** 14;

/** A radio loop on the simulated chip (steady time) hearing `transmissions`. */
function rig(transmissions: Transmission[], afc = false) {
  const clock = new VirtualClock(100);
  const ether = new Ether();
  for (const t of transmissions) ether.add(onAir(t));
  const sim = new SimCc1101({ clock, ether });
  const frames: RadioFrame[] = [];
  const loop = new RadioLoop(new Cc1101(sim, clock), clock, { onFrame: (f) => frames.push(f), afc });
  loop.start();
  /** `steps` services 1 ms apart, the watchdog at every step `healthAt` modulo `healthEvery` (the radio process: every second). */
  const run = (steps: number, healthEvery: number, healthAt: number) => {
    for (let t = 0; t < steps; t++) {
      loop.serviceOnce();
      if (t % healthEvery === healthAt) loop.checkHealth();
      clock.sleep(1);
    }
  };
  return { sim, frames, loop, run };
}

describe('radio loop on the simulated chip (steady time)', () => {
  it('calibrates the synthesizer at start and once a minute between packets, and hears every telegram around it', () => {
    const sentAt = [30_000, 59_990, 60_500, 95_000, 121_000, 149_000];
    const { sim, frames, loop, run } = rig(sentAt.map((atMs) => t1Transmission(atMs)));
    expect(sim.stats.calibrations).toBe(1);
    run(2.5 * RECALIBRATE_MS, 1000, 999);
    // at start, then after one minute and after two: not on every re-arm (six packets)
    expect(sim.stats.calibrations).toBe(3);
    expect(sim.stats.ignoredStrobes).toBe(0);
    expect(frames).toHaveLength(sentAt.length);
    expect(loop.stats).toMatchObject({ restarts: 0, pllUnlocks: 0, overflows: 0, state: 'listening' });
  });

  it('with AFC on follows a sender 50 kHz off until FREQEST is near zero', () => {
    const { sim, frames, loop, run } = rig(
      Array.from({ length: 30 }, (_, i) => t1Transmission(5 + i * 20, { freqOffsetHz: 50_000 })),
      true,
    );
    // the watchdog writes the trim between packets
    run(700, 100, 0);
    expect(frames).toHaveLength(30);
    expect(Math.abs(loop.stats.frequencyTrimHz - 50_000)).toBeLessThan(TRIM_STEP_HZ);
    expect(Math.abs(frames.at(-1)!.freqOffsetHz!)).toBeLessThan(TRIM_STEP_HZ);
    expect(sim.register(REG.FSCTRL0)).not.toBe(0);
  });

  it('with AFC on, a trim is written between packets, never right after a frame: a telegram 0.6 ms behind another is still heard', () => {
    // Pairs 0.6 ms apart (a T1 frame of this telegram is 4.08 ms on air), from a sender 50 kHz off.
    const pairs = Array.from({ length: 12 }, (_, i) => [5 + i * 150, 5 + i * 150 + 4.08 + 0.6]).flat();
    const { sim, frames, loop, run } = rig(
      pairs.map((atMs) => t1Transmission(atMs, { freqOffsetHz: 50_000 })),
      true,
    );
    run(1900, 100, 50);
    expect(frames).toHaveLength(24);
    expect(loop.stats.frequencyTrimHz).toBeGreaterThan(40_000);
    expect(sim.stats.calibrations).toBeGreaterThan(1);
  });
});
