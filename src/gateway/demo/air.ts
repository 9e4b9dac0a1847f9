/**
 * The demo's air module: loaded inside the radio process (RadioOptions.sim.airModule), it plays
 * the neighbourhood's transmissions in real time to the simulated CC1101, endlessly.
 */
import type { Transmission } from '../../radio/sim-air.js';
import { DEMO_METERS, type DemoMeter, frameAt, rssiAt } from './neighbourhood.js';

export interface DemoAirOptions {
  /** wall-clock ms when the simulated chip starts listening (atMs 0); default: now */
  startMs?: number;
  /** send only these meter ids; default: all */
  meters?: string[];
}

export function createAir(options: DemoAirOptions = {}): Iterable<Transmission> {
  const startMs = options.startMs ?? Date.now();
  const meters = DEMO_METERS.filter((m) => !options.meters || options.meters.includes(m.id));
  return transmissionsFrom(meters, startMs);
}

// Each meter's next send, merged in time order.
function* transmissionsFrom(meters: DemoMeter[], startMs: number): Generator<Transmission> {
  // The first telegrams come within seconds, so a newcomer sees readings at once.
  const next = meters.map((m) => startMs + (m.phaseMs % m.intervalMs));
  for (;;) {
    let i = 0;
    for (let j = 1; j < next.length; j++) if (next[j]! < next[i]!) i = j;
    const meter = meters[i]!;
    const t = next[i]!;
    next[i] = t + meter.intervalMs;
    yield {
      atMs: t - startMs,
      mode: meter.mode,
      frameFormat: meter.frameFormat,
      frameHex: Buffer.from(frameAt(meter, t)).toString('hex'),
      rssi: rssiAt(meter, t),
    };
  }
}
