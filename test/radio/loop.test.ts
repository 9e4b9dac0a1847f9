import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../drivers/clock.js';
import { Cc1101 } from '../../drivers/cc1101/cc1101.js';
import { SimCc1101 } from '../../drivers/cc1101/sim/chip.js';
import { Ether } from '../../drivers/cc1101/sim/ether.js';
import { RECALIBRATE_MS, RadioLoop } from '../../src/radio/loop.js';
import type { RadioFrame } from '../../src/radio/messages.js';
import { onAir } from '../../src/radio/sim-air.js';
import { addBlockCrcs } from '../../src/wmbus/frame/encode.js';
import { hex, toHex } from '../support/bytes.js';

// RADIO.md §10: a real T1 telegram (zibous/ha-watermeter#34), without CRCs.
const T1_TELEGRAM = '1944A511780729640717A211500013A95EB19EC3D8C629AFD5C0';

describe('radio loop on the simulated chip (steady time)', () => {
  it('calibrates the synthesizer at start and once a minute between packets, and hears every telegram around it', () => {
    const clock = new VirtualClock(100);
    const ether = new Ether();
    const sentAt = [30_000, 59_990, 60_500, 95_000, 121_000, 149_000];
    for (const atMs of sentAt) ether.add(onAir({ atMs, mode: 'T', frameHex: toHex(addBlockCrcs('A', hex(T1_TELEGRAM))) }));
    const sim = new SimCc1101({ clock, ether });
    const frames: RadioFrame[] = [];
    const loop = new RadioLoop(new Cc1101(sim, clock), clock, { onFrame: (f) => frames.push(f) });
    loop.start();
    expect(sim.stats.calibrations).toBe(1);
    let nextHealth = clock.now() + 1000;
    const end = clock.now() + 2.5 * RECALIBRATE_MS;
    while (clock.now() < end) {
      loop.serviceOnce();
      if (clock.now() >= nextHealth) {
        loop.checkHealth();
        nextHealth += 1000;
      }
      clock.sleep(1);
    }
    // at start, then after one minute and after two: not on every re-arm (six packets)
    expect(sim.stats.calibrations).toBe(3);
    expect(sim.stats.ignoredStrobes).toBe(0);
    expect(frames).toHaveLength(sentAt.length);
    expect(loop.stats).toMatchObject({ restarts: 0, pllUnlocks: 0, overflows: 0, state: 'listening' });
  });

  it('with AFC on, a trim is written between packets, never right after a frame: a telegram 0.6 ms behind another is still heard', () => {
    const clock = new VirtualClock(100);
    const ether = new Ether();
    const frameHex = toHex(addBlockCrcs('A', hex(T1_TELEGRAM)));
    // Pairs 0.6 ms apart (a T1 frame of this telegram is 4.08 ms on air), from a sender 50 kHz off.
    for (let i = 0; i < 12; i++)
      for (const atMs of [5 + i * 150, 5 + i * 150 + 4.08 + 0.6]) ether.add(onAir({ atMs, mode: 'T', frameHex, freqOffsetHz: 50_000 }));
    const sim = new SimCc1101({ clock, ether });
    const frames: RadioFrame[] = [];
    const loop = new RadioLoop(new Cc1101(sim, clock), clock, { onFrame: (f) => frames.push(f), afc: true });
    loop.start();
    for (let t = 0; t < 1900; t++) {
      loop.serviceOnce();
      if (t % 100 === 50) loop.checkHealth();
      clock.sleep(1);
    }
    expect(frames).toHaveLength(24);
    expect(loop.stats.frequencyTrimHz).toBeGreaterThan(40_000);
    expect(sim.stats.calibrations).toBeGreaterThan(1);
  });
});
