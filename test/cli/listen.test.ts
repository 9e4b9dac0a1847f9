import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { parseRtlWmbusLine } from '../../src/wmbus/frame/rtlwmbus.js';
import { haveShared } from '../conformance/shared-files.js';
import { plannedAir, writeScenario } from '../support/air-fixtures.js';
import { toHex } from '../support/bytes.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'listen-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  stderr.on('data', (d: Buffer) => (err += d.toString()));
  const code = await main(args, { stdin: Readable.from([]), stdout, stderr });
  return { code, stdout: out, stderr: err };
}

describe('wmbus-gateway listen', () => {
  it.skipIf(existsSync('/dev/spidev0.0'))(
    'without a radio and without --sim says what is missing and how to try the simulator',
    async () => {
      const r = await run(['listen']);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/no radio: \/dev\/spidev0\.0 does not exist.*enable SPI/);
      expect(r.stderr).toMatch(/wmbus-gateway listen --sim scenario\.jsonl/);
    },
  );

  it.skipIf(existsSync('/dev/spidev0.1'))('looks for the chip on the bus and chip select the configuration names', async () => {
    process.env['WMBUS_SPI_DEVICE'] = '1';
    try {
      const r = await run(['listen']);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/no radio: \/dev\/spidev0\.1 does not exist/);
      process.env['WMBUS_SPI_DEVICE'] = '12';
      expect((await run(['listen'])).stderr).toMatch(/radio\.spiDevice \(environment WMBUS_SPI_DEVICE\)/);
    } finally {
      delete process.env['WMBUS_SPI_DEVICE'];
    }
  });

  it('refuses --radio sim without a scenario', async () => {
    expect((await run(['listen', '--radio', 'sim'])).code).toBe(2);
  });

  it.skipIf(!haveShared)('prints every simulated frame as JSON lines with mode, format, telegram and rssi, then ends', async () => {
    const air = plannedAir(6, 9);
    const file = path.join(dir, 'six.jsonl');
    await writeScenario(file, air.transmissions);
    const r = await run(['listen', '--sim', file]);
    expect(r.code).toBe(0);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => [l['mode'], l['frameFormat'], l['telegram'], l['rssi'], l['corrected']])).toEqual(
      air.transmissions.map((t, i) => [t.mode, t.frameFormat, air.telegrams[i], t.rssi, 0]),
    );
    expect(r.stderr).toMatch(/listen: 6 frames; radio: 6 syncs/);
  });

  it.skipIf(!haveShared)('--count stops early; --format rtlwmbus prints lines that read back as the same telegrams', async () => {
    const air = plannedAir(5, 10);
    const file = path.join(dir, 'five.jsonl');
    await writeScenario(file, air.transmissions);
    const r = await run(['listen', '--sim', file, '--count', '3', '--format', 'rtlwmbus']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(3);
    lines.forEach((line, i) => {
      expect(line).toMatch(/^(T1|C1);1;1;\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3};-?\d+;;;0x[0-9a-f]+$/);
      const parsed = parseRtlWmbusLine(line);
      expect(parsed.ok && parsed.telegrams[0]).toMatchObject({ mode: air.transmissions[i]!.mode, rssi: air.transmissions[i]!.rssi });
      expect(parsed.ok && toHex(parsed.telegrams[0]!.bytes)).toBe(air.telegrams[i]);
    });
  });

  it.skipIf(!haveShared)('--stats ends with one JSON line of the radio counters; --sim-time real plays on the wall clock', async () => {
    const air = plannedAir(4, 12);
    const file = path.join(dir, 'four.jsonl');
    await writeScenario(file, air.transmissions);
    const r = await run(['listen', '--sim', file, '--stats', '--sim-time', 'real']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    const last = JSON.parse(lines.at(-1)!) as { stats: Record<string, unknown> };
    expect(Object.keys(last)).toEqual(['stats']);
    for (const key of [
      'syncs',
      'frames',
      'overflows',
      'timeouts',
      'maxServiceGapMs',
      'maxFifoLevel',
      'cpuMs',
      'uptimeMs',
      'maxGcPauseMs',
    ]) {
      expect(typeof last.stats[key]).toBe('number');
    }
    // on the wall clock a stalled machine may lose a telegram, never invent one
    expect(last.stats['frames']).toBe(lines.length - 1);
    expect(lines.length - 1).toBeGreaterThan(0);
    expect((await run(['listen', '--sim', file, '--sim-time', 'later'])).code).toBe(2);
  });
});
