import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PassThrough, Readable, Writable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resultJson, resultJsonText } from '../../src/cli/decode.js';
import { main } from '../../src/cli/main.js';
import { meterFamilies } from '../../src/meters/index.js';
import { buildTelegram } from '../../src/wmbus/build.js';
import { FormatMemory, decodeTelegram, parseKey } from '../../src/wmbus/decode.js';
import { gamaReference, haveShared, repoRoot, sharedMissing, wmbusmetersVectors } from '../conformance/shared-files.js';
import { decodeVector } from '../conformance/vector-compare.js';
import { hex, toHex } from '../support/bytes.js';

// Without the shared folder the tests that need its telegrams skip (shared-present.test.ts fails on CI instead).
if (!haveShared) console.warn(sharedMissing);

// `wmbus-gateway decode` as a user runs it: arguments, files, stdin, exit statuses, output formats.

const KEY_HEX = '000102030405060708090A0B0C0D0E0F';
const KEY = parseKey(KEY_HEX);
// PROTOCOL.md E1 records: 28504.27 m3, 2008-05-31 23:50, error flags 0.
const APL = hex('2F2F0C1427048502046D32371F1502FD170000');
const meterA = { manufacturer: 'ELS', id: '12345678', version: 0x33, deviceType: 0x03, accessNumber: 1 };
const meterB = { ...meterA, id: '87654321' };
const encryptedA = toHex(buildTelegram({ ...meterA, apl: APL, security: { mode: 5, key: KEY } }));
const encryptedB = toHex(buildTelegram({ ...meterB, apl: APL, security: { mode: 5, key: KEY } }));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function run(args: string[], stdinText = '', stderrIsTty = false): Promise<Run> {
  const stdout = new PassThrough();
  const stderr = Object.assign(new PassThrough(), { isTTY: stderrIsTty });
  const chunks = { out: [] as Buffer[], err: [] as Buffer[] };
  stdout.on('data', (c: Buffer) => chunks.out.push(c));
  stderr.on('data', (c: Buffer) => chunks.err.push(c));
  const code = await main(['decode', ...args], { stdin: Readable.from([stdinText]), stdout, stderr });
  return { code, stdout: Buffer.concat(chunks.out).toString(), stderr: Buffer.concat(chunks.err).toString() };
}

const lines = (text: string): Array<Record<string, any>> =>
  text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, any>);

/** The real CLI in its own process, through tsx on the TypeScript sources. */
function spawnCli(args: string[]): Promise<Run> {
  const mainUrl = pathToFileURL(path.join(repoRoot, 'src', 'cli', 'main.ts')).href;
  const script = `const { main } = await import(${JSON.stringify(mainUrl)}); process.exitCode = await main(process.argv.slice(1));`;
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', script, 'decode', ...args],
      { cwd: repoRoot },
      (err, stdout, stderr) => {
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'wmbus-decode-cli-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('decode command in its own process', () => {
  it.skipIf(!haveShared)('decodes the GAMA 350 telegram with --key and exits 0', async () => {
    const gama = gamaReference()!;
    const result = await spawnCli([gama.telegram_hex, '--key', gama.key, '--format', 'jsonl']);
    expect(result.code).toBe(0);
    const [out] = lines(result.stdout);
    expect(out).toMatchObject({
      ok: true,
      id: gama.expect.id,
      manufacturer: 'EGM',
      medium: 'electricity',
      security: { mode: 5, decrypted: true },
    });
    const energy = gama.expect.records.find((r) => r.quantity === 'energy' && r.direction === 'import' && !r.tariff)!;
    expect(
      out!.records.some((r: any) => r.quantity === 'energy' && r.direction === 'import' && r.tariff === 0 && r.value === energy.value),
    ).toBe(true);
  });

  it('exits 2 with a clear message for a bad key', async () => {
    const result = await spawnCli([encryptedA, '--key', '0123']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--key must be 32 hex digits');
    expect(result.stdout).toBe('');
  });
});

describe('decode command', () => {
  it('reads --input with comments and blank lines and takes keys from --keys, one result per telegram', async () => {
    const keysFile = path.join(dir, 'keys.json');
    await writeFile(keysFile, JSON.stringify({ '12345678': KEY_HEX }));
    const input = path.join(dir, 'telegrams.txt');
    await writeFile(input, `# two meters, one key\n\n${encryptedA}\n  # indented comment\n${encryptedB}\nnot hex at all\n`);
    const result = await run(['--input', input, '--keys', keysFile, '--format', 'jsonl']);
    expect(result.code).toBe(0);
    const out = lines(result.stdout);
    expect(out).toHaveLength(3);
    expect(out[0]).toMatchObject({ ok: true, id: '12345678', security: { mode: 5, decrypted: true } });
    expect(out[0]!.records[0]).toMatchObject({ quantity: 'volume', unit: 'm3', value: 28504.27 });
    expect(out[1]).toEqual({
      ok: false,
      error: expect.objectContaining({ code: 'NO_KEY', message: 'no key for meter 87654321: add it on the Meters page or in keys.json' }),
    });
    expect(out[2]).toMatchObject({ ok: false, error: { code: 'MALFORMED', message: expect.stringContaining('line 6') } });
  });

  it('reads telegrams from stdin with --input - and applies --key to every meter', async () => {
    const result = await run(['--input', '-', '--key', KEY_HEX, '--format', 'jsonl'], `${encryptedA}\n${encryptedB}\n`);
    expect(result.code).toBe(0);
    expect(lines(result.stdout).map((o) => [o.ok, o.id])).toEqual([
      [true, '12345678'],
      [true, '87654321'],
    ]);
  });

  it('fields prints one compact line per telegram: id, time and the named fields, or the error code', async () => {
    const keys = path.join(dir, 'keys.json');
    const result = await run(['--input', '-', '--keys', keys, '--format', 'fields'], `${encryptedA}\n${encryptedB}\n`);
    expect(result.code).toBe(0);
    expect(lines(result.stdout)).toEqual([
      { id: '12345678', time: '2008-05-31T23:50', meter_datetime: '2008-05-31T23:50', volume_m3: 28504.27, error_flags: 0 },
      { id: '87654321', error: 'NO_KEY' },
    ]);
  });

  it('waits for a slow reader instead of holding the whole result in memory', async () => {
    const total = 4000;
    let pulled = 0;
    let written = 0;
    let maxAhead = 0;
    async function* input() {
      for (pulled = 1; pulled <= total; pulled++) yield `${encryptedA}\n`;
    }
    // a reader that takes one chunk per event-loop turn and is always full
    const stdout = new Writable({
      highWaterMark: 1,
      write(chunk: Buffer, _enc, done) {
        written += chunk.toString().split('\n').length - 1;
        maxAhead = Math.max(maxAhead, pulled - written);
        setImmediate(done);
      },
    });
    const code = await main(['decode', '--input', '-', '--key', KEY_HEX, '--format', 'jsonl'], {
      stdin: Readable.from(input()),
      stdout,
      stderr: new PassThrough(),
    });
    expect(code).toBe(0);
    expect(written).toBe(total);
    // one output batch (64 kB, some 70 results here) and a few input lines, not thousands
    expect(maxAhead).toBeLessThan(150);
  });

  it('json prints one indented object per telegram', async () => {
    const result = await run([encryptedA, '--key', KEY_HEX, '--format', 'json']);
    expect(result.stdout.split('\n')[1]).toMatch(/^ {2}"ok": true,$/);
    expect(JSON.parse(result.stdout)).toMatchObject({ ok: true, id: '12345678', fields: expect.any(Object) });
  });

  it('text shows the header, the security and every record like an analyser', async () => {
    const result = await run([encryptedA, encryptedB, '--key', KEY_HEX, '--format', 'text']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('telegram 1');
    expect(result.stdout).toContain('telegram 2');
    expect(result.stdout).toMatch(/meter\s+ELS 12345678\s+version 51\s+type 0x03 \(gas\)/);
    expect(result.stdout).toMatch(/security mode 5, 2 encrypted blocks, decrypted/);
    expect(result.stdout).toMatch(/volume\s+28504\.27 m3\s+0C 14\s+27048502/);
    const wrong = await run([encryptedA, '--key', KEY_HEX.replace(/F$/, 'E'), '--format', 'text']);
    expect(wrong.stdout).toMatch(/error\s+WRONG_KEY: the key for meter 12345678 is wrong/);
  });

  it('keeps formats learned from full frames for compact frames later in the same run', async () => {
    // EN 13757-3 G.5: a full frame and the compact frame of the same records, behind one DLL header.
    const dll = (apdu: string) => toHex(new Uint8Array([(10 + apdu.length / 2 - 1) & 0xff, ...hex('449315785634123303'), ...hex(apdu)]));
    const full = dll('780202D20402152E16022A3423');
    const compact = dll('79313B42A6D2042E163423');
    const alone = await run([compact, '--format', 'jsonl']);
    expect(lines(alone.stdout)[0]).toMatchObject({ ok: false, error: { code: 'UNKNOWN_FORMAT' } });
    const both = await run([full, compact, '--format', 'jsonl']);
    const [a, b] = lines(both.stdout);
    expect(b).toMatchObject({ ok: true });
    expect(b!.records).toEqual(a!.records);
  });

  it('shows progress on a terminal for big batches', async () => {
    const result = await run(['--input', '-', '--format', 'jsonl'], `${encryptedA}\n`.repeat(2500), true);
    expect(lines(result.stdout)).toHaveLength(2500);
    expect(result.stderr).toContain('decoded 2500 telegrams');
    const quiet = await run(['--input', '-', '--format', 'jsonl'], `${encryptedA}\n`.repeat(2500), false);
    expect(quiet.stderr).toBe('');
  });

  it('exits 2 for bad usage, naming the problem', async () => {
    const badJson = path.join(dir, 'bad.json');
    await writeFile(badJson, '{"12345678": ');
    const badId = path.join(dir, 'bad-id.json');
    await writeFile(badId, JSON.stringify({ '1234': KEY_HEX }));
    const cases: Array<[string[], string]> = [
      [[], 'give telegrams'],
      [['--input', path.join(dir, 'missing.txt')], 'cannot read input file'],
      [[encryptedA, '--keys', path.join(dir, 'missing.json')], 'cannot read keys file'],
      [[encryptedA, '--keys', badJson], 'is not JSON'],
      [[encryptedA, '--keys', badId], "meter id '1234'"],
      [[encryptedA, '--format', 'xml'], '--format must be one of json, jsonl, fields, text'],
      [['zz'], 'is not a hex telegram'],
    ];
    for (const [args, message] of cases) {
      const result = await run(args);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr).toContain(message);
    }
  });
});

describe('JSON output text', () => {
  // The text is spliced from the telegram's own JSON rather than built from a copied object; it must
  // stay byte for byte what JSON.stringify of the result object gives, for every real telegram.
  const results = [
    ...wmbusmetersVectors().map((v) => decodeVector(v)),
    ...wmbusmetersVectors().map((v) => decodeVector(v, undefined)),
    decodeTelegram(hex('2F'), { formats: new FormatMemory(), meters: meterFamilies }),
    decodeTelegram(hex(encryptedA), { keys: () => KEY, formats: new FormatMemory(), meters: meterFamilies }),
  ];

  it.each([undefined, 2])('is JSON.stringify of the result object (indent %s)', (indent) => {
    // each shared vector twice (with and without its key) and two more; which vectors decode is pinned by the conformance test
    expect(results).toHaveLength(haveShared ? 208 : 2);
    expect(results.filter((r) => r.ok)).toHaveLength(haveShared ? 197 : 1);
    const differing = results.filter((r) => resultJsonText(r, indent) !== JSON.stringify(resultJson(r), null, indent));
    expect(differing.map((r) => (r.ok ? r.telegram.id : r.error.code))).toEqual([]);
  });
});
