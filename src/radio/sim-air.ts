import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Clock } from '../../drivers/clock.js';
import { Ether, type OnAir } from '../../drivers/cc1101/sim/ether.js';
import { onAirLength } from '../wmbus/frame/blocks.js';
import { onAirAfterSync } from '../wmbus/frame/encode.js';
import { parseHex } from '../wmbus/hex.js';
import type { SimOptions } from './messages.js';

/** One telegram put on air by a simulated meter, as scenario files and air modules give it. */
export interface Transmission {
  /** ms after the simulated chip first listens */
  atMs: number;
  mode: 'T' | 'C';
  frameFormat?: 'A' | 'B';
  /** the frame with its DLL CRCs (L first) */
  frameHex: string;
  /** dBm at the receiver; default -70 */
  rssi?: number;
  /** sender's carrier error in Hz; default 0 */
  freqOffsetHz?: number;
}

/** The bytes after sync a chip receives for this telegram (3-of-6 for T, marker for C); RangeError for a frame the mode cannot carry. */
export function onAir(tx: Transmission): OnAir {
  const format = tx.frameFormat ?? 'A';
  if (tx.mode === 'T' && format !== 'A') throw new RangeError('mode T always uses frame format A');
  const frame = parseHex(tx.frameHex);
  if (!frame) throw new RangeError(`frameHex is not hex: ${tx.frameHex.slice(0, 40)}`);
  const expected = frame.length > 0 ? onAirLength(format, frame[0]!) : 12;
  if (frame.length !== expected) {
    throw new RangeError(
      `frameHex has ${frame.length} bytes, but a format ${format} frame with L=${frame[0] ?? 0} has ${expected} with its CRCs (frameHex must include the CRCs)`,
    );
  }
  return { atMs: tx.atMs, bytes: onAirAfterSync(tx.mode, format, frame), rssi: tx.rssi, freqOffsetHz: tx.freqOffsetHz };
}

export class ScenarioError extends Error {
  override name = 'ScenarioError';
}

/** How far ahead of the simulated chip an air module's transmissions are put on air. */
const LOOKAHEAD_MS = 2000;

function checkTransmission(value: unknown, where: string): Transmission {
  const t = value as Partial<Transmission> | null;
  if (!t || typeof t !== 'object' || typeof t.atMs !== 'number' || (t.mode !== 'T' && t.mode !== 'C') || typeof t.frameHex !== 'string') {
    throw new ScenarioError(`${where}: expected {"atMs": number, "mode": "T"|"C", "frameHex": "<frame with CRCs>"}`);
  }
  if (t.frameFormat !== undefined && t.frameFormat !== 'A' && t.frameFormat !== 'B') {
    throw new ScenarioError(`${where}: frameFormat must be "A" or "B"`);
  }
  return t as Transmission;
}

function addChecked(ether: Ether, tx: Transmission, where: string): void {
  try {
    ether.add(onAir(tx));
  } catch (err) {
    throw new ScenarioError(`${where}: ${(err as Error).message}`);
  }
}

/** Reads a JSON-lines scenario (one Transmission per line; blank lines and # comments allowed). */
export async function loadScenario(file: string, ether: Ether): Promise<number> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new ScenarioError(`cannot read the scenario file ${file}: ${(err as Error).message}`);
  }
  let count = 0;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '' || line.startsWith('#')) continue;
    const where = `${file} line ${i + 1}`;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      throw new ScenarioError(`${where}: not JSON (${(err as Error).message})`);
    }
    addChecked(ether, checkTransmission(value, where), where);
    count++;
  }
  return count;
}

type AirSource = AsyncIterable<Transmission> | Iterable<Transmission>;

/**
 * Loads an air module (an ES module exporting createAir(options)) and feeds its transmissions to
 * the ether a little ahead of the simulated chip, so endless airs (the demo) cost no memory.
 */
export async function pumpAirModule(modulePath: string, airOptions: unknown, ether: Ether, clock: Clock): Promise<void> {
  const url = pathToFileURL(path.resolve(modulePath)).href;
  let mod: { createAir?: (options: unknown) => AirSource | Promise<AirSource> };
  try {
    mod = (await import(url)) as typeof mod;
  } catch (err) {
    throw new ScenarioError(`cannot load the air module ${modulePath}: ${(err as Error).message}`);
  }
  if (typeof mod.createAir !== 'function') throw new ScenarioError(`the air module ${modulePath} does not export createAir(options)`);
  const air = await mod.createAir(airOptions);
  const relativeNow = () => (ether.epoch === undefined ? 0 : clock.now() - ether.epoch);
  let n = 0;
  for await (const tx of air as AsyncIterable<Transmission>) {
    const where = `${modulePath} transmission ${++n}`;
    addChecked(ether, checkTransmission(tx, where), where);
    while (tx.atMs > relativeNow() + LOOKAHEAD_MS) await new Promise((r) => setTimeout(r, LOOKAHEAD_MS / 4));
  }
}

/** The ether for the simulator options: noise and chip errors, then the scenario file and/or the air module. */
export async function buildEther(sim: SimOptions, clock: Clock, onPumpError: (err: Error) => void): Promise<Ether> {
  const ether = new Ether(sim.noise, sim.chipErrors);
  if (sim.scenarioFile) await loadScenario(sim.scenarioFile, ether);
  if (sim.airModule) pumpAirModule(sim.airModule, sim.airOptions, ether, clock).catch(onPumpError);
  return ether;
}
