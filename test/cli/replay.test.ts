import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { buildTelegram } from '../../src/wmbus/build.js';
import { parseKey } from '../../src/wmbus/decode.js';
import { addBlockCrcs, onAirAfterSync } from '../../src/wmbus/frame/encode.js';
import { formatRtlWmbusLine } from '../../src/wmbus/frame/rtlwmbus.js';
import { BitWriter, prng } from '../support/random-air.js';
import { haveShared, referenceExample, repoRoot } from '../conformance/shared-files.js';
import { hex, toHex } from '../support/bytes.js';

// `wmbus-gateway replay` as a user runs it: capture files of raw bits, hex lines and rtl_wmbus lines.

const KEY_HEX = '000102030405060708090A0B0C0D0E0F';
const KEY = parseKey(KEY_HEX);
// PROTOCOL.md E1 records: volume 28504.27 m3, date-time, error flags 0
const APL = hex('2F2F0C1427048502046D32371F1502FD170000');
const meter = (id: string) => ({ manufacturer: 'ELS', id, version: 0x33, deviceType: 0x03, accessNumber: 7 });
const telegramOf = (id: string) => buildTelegram({ ...meter(id), apl: APL, security: { mode: 5, key: KEY } });

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function run(args: string[], stdinText = ''): Promise<Run> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  stdout.on('data', (c: Buffer) => out.push(c));
  stderr.on('data', (c: Buffer) => err.push(c));
  const code = await main(['replay', ...args], { stdin: Readable.from([stdinText]), stdout, stderr });
  return { code, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() };
}

const jsonLines = (text: string): Array<Record<string, any>> =>
  text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, any>);

let dir = '';
let keysFile = '';
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'wmbus-replay-'));
  keysFile = path.join(dir, 'keys.json');
  await writeFile(keysFile, JSON.stringify({ '11111111': KEY_HEX, '22222222': KEY_HEX, '33333333': KEY_HEX }));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('replay --input bits', () => {
  const random = prng(42);
  const sent = [
    { mode: 'T', frameFormat: 'A', id: '11111111', telegram: telegramOf('11111111'), damage: 0 },
    { mode: 'C', frameFormat: 'A', id: '22222222', telegram: telegramOf('22222222'), damage: 0 },
    { mode: 'C', frameFormat: 'B', id: '33333333', telegram: telegramOf('33333333'), damage: 0 },
    // one chip flipped in the middle of the frame: found only thanks to repair
    { mode: 'T', frameFormat: 'A', id: '11111111', telegram: telegramOf('11111111'), damage: 200 },
  ] as const;
  const w = new BitWriter();
  const offsets: number[] = [];
  for (const s of sent) {
    w.noise(500 + Math.floor(random() * 500), random);
    const onAir = onAirAfterSync(s.mode, s.frameFormat, addBlockCrcs(s.frameFormat, s.telegram));
    if (s.damage) onAir[s.damage >> 3]! ^= 0x80 >> (s.damage & 7);
    offsets.push(w.frame(onAir, 20));
  }
  w.noise(800, random);
  const capture = w.finish();

  it('prints one JSON line per frame with where it started, and the decoded content with --keys', async () => {
    const file = path.join(dir, 'capture.bits');
    await writeFile(file, capture);
    const r = await run([file, '--input', 'bits', '--keys', keysFile]);
    expect(r.code).toBe(0);
    const lines = jsonLines(r.stdout);
    expect(lines.map((l) => [l['mode'], l['frameFormat'], l['bitOffset'], l['corrected'], l['telegram']])).toEqual(
      sent.map((s, i) => [s.mode, s.frameFormat, offsets[i], s.damage ? 1 : 0, toHex(s.telegram)]),
    );
    for (const [i, l] of lines.entries()) {
      expect(l).toMatchObject({ ok: true, id: sent[i]!.id, manufacturer: 'ELS' });
      expect(l['records'].find((rec: any) => rec.quantity === 'volume')?.value).toBe(28504.27);
    }
    expect(r.stderr).toMatch(/^replay: 4 frames found \(1 repaired\), \d+ rejected/);
  });

  it('leaves the damaged frame out with --no-repair, and prints only frames without --keys', async () => {
    const file = path.join(dir, 'capture2.bits');
    await writeFile(file, capture);
    const r = await run([file, '--input', 'bits', '--no-repair']);
    const lines = jsonLines(r.stdout);
    expect(lines).toHaveLength(3);
    expect(lines.every((l) => l['ok'] === undefined && l['records'] === undefined)).toBe(true);
    expect(r.stderr).toMatch(/3 frames found \(0 repaired\), [1-9]\d* rejected: .*NOT_3OF6 [1-9]/);
  });

  it('reads the capture from stdin in a real process', async () => {
    const file = path.join(dir, 'capture3.bits');
    await writeFile(file, capture);
    const mainUrl = pathToFileURL(path.join(repoRoot, 'src', 'cli', 'main.ts')).href;
    const script = `const { main } = await import(${JSON.stringify(mainUrl)}); process.exitCode = await main(process.argv.slice(1));`;
    const r = await new Promise<Run>((resolve) => {
      const child = execFile(
        process.execPath,
        ['--import', 'tsx', '--input-type=module', '-e', script, 'replay', '-', '--input', 'bits', '--format', 'text'],
        { cwd: repoRoot, encoding: 'utf8' },
        (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
      child.stdin!.end(capture);
    });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`T/A  bit ${offsets[0]}\n  ${toHex(sent[0].telegram)}`);
    expect(r.stdout).toContain(`T/A  bit ${offsets[3]}  corrected 1`);
    expect(r.stderr).toMatch(/4 frames found \(1 repaired\)/);
  });
});

describe('replay --input hex', () => {
  it('reads frames with CRCs and bytes after the sync word, one per line, and counts the rest', async () => {
    const a = telegramOf('11111111');
    const b = telegramOf('22222222');
    const broken = addBlockCrcs('A', a);
    broken[15]! ^= 0x30; // two flipped bits in one block: no repair allowed
    const lines = [
      '# a comment',
      toHex(addBlockCrcs('A', a)),
      toHex(addBlockCrcs('B', b)),
      toHex(onAirAfterSync('T', 'A', addBlockCrcs('A', b))),
      'not hex',
      toHex(broken),
      '',
    ];
    const file = path.join(dir, 'frames.hex');
    await writeFile(file, lines.join('\n'));
    const r = await run([file, '--input', 'hex', '--keys', keysFile]);
    expect(r.code).toBe(0);
    const out = jsonLines(r.stdout);
    expect(out.map((l) => [l['line'], l['mode'], l['frameFormat'], l['telegram'], l['id']])).toEqual([
      [2, undefined, 'A', toHex(a), '11111111'],
      [3, undefined, 'B', toHex(b), '22222222'],
      [4, 'T', 'A', toHex(b), '22222222'],
    ]);
    expect(r.stderr).toMatch(/3 frames found \(0 repaired\), 2 rejected: /);
    expect(r.stderr).toContain('NOT_HEX 1');
  });

  it.skipIf(!haveShared)('decodes the real T1 chips of the reference set', async () => {
    const t1 = referenceExample('T1 raw chips');
    const file = path.join(dir, 't1.hex');
    await writeFile(file, t1.raw_hex + '\n');
    const out = jsonLines((await run([file, '--input', 'hex'])).stdout);
    const withCrcs = t1.expect['frame_with_crc'] as string;
    expect(out).toEqual([{ mode: 'T', frameFormat: 'A', line: 1, corrected: 0, telegram: withCrcs.slice(0, 20) + withCrcs.slice(24, -4) }]);
  });
});

describe('replay --input rtlwmbus', () => {
  it('keeps RSSI and time, reads two telegrams on one line, and drops lines rtl_wmbus flagged', async () => {
    const a = telegramOf('11111111');
    const b = telegramOf('22222222');
    const time = new Date(2025, 5, 20, 9, 50, 47).getTime();
    const lines = [
      formatRtlWmbusLine({ mode: 'T', telegram: a, time, rssi: -62 }),
      `C1;1;1;2025-06-20 09:51:00.250;-70;;;0x${toHex(b)};0x${toHex(a)}`,
      `T1;0;1;2025-06-20 09:52:00.000;-90;;;0x${toHex(a)}`,
      `T1;1;0;2025-06-20 09:52:00.000;-90;;;0x${toHex(a)}`,
      `S1;1;1;2025-06-20 09:53:00.000;-80;;;0x${toHex(a)}`,
      // an older rtl_wmbus that kept the CRCs
      `T1;1;1;2025-06-20 09:54:00.000;-55;;;0x${toHex(addBlockCrcs('A', b))}`,
    ];
    expect(lines[0]).toBe(`T1;1;1;2025-06-20 09:50:47.000;-62;;;0x${toHex(a).toLowerCase()}`);
    const file = path.join(dir, 'capture.rtl');
    await writeFile(file, lines.join('\n') + '\n');
    const r = await run([file, '--input', 'rtlwmbus', '--keys', keysFile]);
    const out = jsonLines(r.stdout);
    expect(out.map((l) => [l['line'], l['mode'], l['frameFormat'], l['rssi'], l['time'], l['telegram'], l['id']])).toEqual([
      [1, 'T', 'A', -62, new Date(time).toISOString(), toHex(a), '11111111'],
      [2, 'C', undefined, -70, new Date(2025, 5, 20, 9, 51, 0, 250).toISOString(), toHex(b), '22222222'],
      [2, 'C', undefined, -70, new Date(2025, 5, 20, 9, 51, 0, 250).toISOString(), toHex(a), '11111111'],
      [6, 'T', 'A', -55, new Date(2025, 5, 20, 9, 54).toISOString(), toHex(b), '22222222'],
    ]);
    expect(r.stderr).toMatch(/4 frames found \(0 repaired\), 3 rejected: /);
    for (const reason of ['CRC 1', 'NOT_3OF6 1', 'NOT_T1_C1_LINE 1']) expect(r.stderr).toContain(reason);
  });
});

describe('replay usage', () => {
  it('exits 2 and says what is missing', async () => {
    const r = await run(['capture.bin']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--input bits, hex or rtlwmbus');
    const r2 = await run([path.join(dir, 'missing.bits'), '--input', 'bits']);
    expect(r2.code).toBe(2);
    expect(r2.stderr).toContain('ENOENT');
  });
});
