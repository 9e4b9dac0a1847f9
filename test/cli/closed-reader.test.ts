import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTelegram } from '../../src/wmbus/build.js';
import { parseKey } from '../../src/wmbus/decode.js';
import { addBlockCrcs } from '../../src/wmbus/frame/encode.js';
import { repoRoot } from '../conformance/shared-files.js';
import { hex, toHex } from '../support/bytes.js';

// `wmbus-gateway <command> ... | head -1`: when the reader closes its end early, every command
// ends quietly with status 0, as cat or grep do: no EPIPE stack trace, no hang.

const KEY_HEX = '000102030405060708090A0B0C0D0E0F';
// PROTOCOL.md E1 records: 28504.27 m3, 2008-05-31 23:50, error flags 0.
const APL = hex('2F2F0C1427048502046D32371F1502FD170000');
const TELEGRAMS = 5000;

const telegram = (i: number): Uint8Array =>
  buildTelegram({
    manufacturer: 'ELS',
    id: String(10_000_000 + i),
    version: 0x33,
    deviceType: 0x03,
    accessNumber: i & 0xff,
    apl: APL,
    security: { mode: 5, key: parseKey(KEY_HEX) },
  });

interface Ended {
  code: number | null;
  signal: NodeJS.Signals | null;
  firstLine: string;
  stderr: string;
}

/** Runs the CLI with stdout on a pipe, reads one line, closes the pipe and waits for the exit. */
function readOneLineThenClose(args: string[]): Promise<Ended> {
  const mainUrl = pathToFileURL(path.join(repoRoot, 'src', 'cli', 'main.ts')).href;
  const script = `const { main } = await import(${JSON.stringify(mainUrl)}); process.exitCode = await main(process.argv.slice(1));`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, ...args], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  let seen = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const firstLine = new Promise<string>((resolve) => {
    child.stdout.on('data', (d: Buffer) => {
      seen += d.toString();
      const end = seen.indexOf('\n');
      if (end < 0) return;
      child.stdout.destroy();
      resolve(seen.slice(0, end));
    });
    child.stdout.on('close', () => resolve(seen));
  });
  return new Promise((resolve) => {
    child.on('exit', (code, signal) => void firstLine.then((line) => resolve({ code, signal, firstLine: line, stderr })));
  });
}

let dir = '';
let hexFile = '';
let framesFile = '';
let keysFile = '';
let scenario = '';
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'wmbus-closed-reader-'));
  const telegrams = Array.from({ length: TELEGRAMS }, (_, i) => telegram(i));
  hexFile = path.join(dir, 'telegrams.hex');
  await writeFile(hexFile, telegrams.map((t) => toHex(t) + '\n').join(''));
  // a capture as replay reads it: each frame with its block CRCs
  framesFile = path.join(dir, 'frames.hex');
  await writeFile(framesFile, telegrams.map((t) => toHex(addBlockCrcs('A', t)) + '\n').join(''));
  keysFile = path.join(dir, 'keys.json');
  await writeFile(keysFile, JSON.stringify(Object.fromEntries(telegrams.map((_, i) => [String(10_000_000 + i), KEY_HEX]))));
  // one telegram every 20 ms of (steady) simulated time: 20 s in all, far longer than a reader needs
  scenario = path.join(dir, 'scenario.jsonl');
  const air = telegrams
    .slice(0, 1000)
    .map((t, i) => ({ atMs: 5 + i * 20, mode: 'T', frameFormat: 'A', frameHex: toHex(addBlockCrcs('A', t)), rssi: -60 }));
  await writeFile(scenario, air.map((t) => JSON.stringify(t) + '\n').join(''));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('a reader that closes early', () => {
  const cases: Array<[string, () => string[], RegExp]> = [
    ['decode --format jsonl', () => ['decode', '--input', hexFile, '--key', KEY_HEX, '--format', 'jsonl'], /^\{"ok":true,"id":"10000000"/],
    ['decode --format json', () => ['decode', '--input', hexFile, '--key', KEY_HEX, '--format', 'json'], /^\{$/],
    ['decode --format fields', () => ['decode', '--input', hexFile, '--key', KEY_HEX, '--format', 'fields'], /^\{"id":"10000000",/],
    ['decode --format text', () => ['decode', '--input', hexFile, '--key', KEY_HEX, '--format', 'text'], /^telegram 1$/],
    ['replay --format jsonl', () => ['replay', framesFile, '--input', 'hex', '--keys', keysFile], /^\{.*"ok":true,"id":"10000000"/],
    [
      'replay --format fields',
      () => ['replay', framesFile, '--input', 'hex', '--format', 'fields'],
      /^\{"id":"10000000","error":"NO_KEY"\}$/,
    ],
    ['replay --format text', () => ['replay', framesFile, '--input', 'hex', '--format', 'text'], /^-\/A {2}line 1$/],
    ['listen --format jsonl', () => ['listen', '--sim', scenario, '--keys', keysFile], /^\{.*"ok":true,"id":"10000000"/],
    ['listen --format rtlwmbus', () => ['listen', '--sim', scenario, '--format', 'rtlwmbus'], /^T1;1;1;/],
    ['help', () => ['help'], /^usage: wmbus-gateway <command>/],
  ];

  it.each(cases)('%s ends with status 0 and no stack trace', async (_name, args, first) => {
    const ended = await readOneLineThenClose(args());
    expect(ended.firstLine).toMatch(first);
    expect(ended.stderr).not.toMatch(/Error|EPIPE|\n\s+at /);
    expect({ code: ended.code, signal: ended.signal }).toEqual({ code: 0, signal: null });
  });

  it('replay stops reading the capture once its reader is gone', async () => {
    const ended = await readOneLineThenClose(['replay', framesFile, '--input', 'hex', '--keys', keysFile]);
    const found = /replay: (\d+) frames? found/.exec(ended.stderr);
    expect(found).not.toBeNull();
    expect(Number(found![1])).toBeGreaterThan(0);
    expect(Number(found![1])).toBeLessThan(TELEGRAMS);
  });
});
