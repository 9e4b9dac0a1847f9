/**
 * `wmbus-gateway decode` on 20,000 GAMA 350 telegrams as a whole process (start-up, reading,
 * decoding, JSON, writing to a pipe), against the decoder alone in a process of its own.
 * `npm run bench -- bulk`
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { repoRoot } from './paths.js';

export const title = 'Bulk decoding (whole CLI process)';

const TELEGRAMS = 20_000;
const ROUNDS = 5;
const here = path.dirname(fileURLToPath(import.meta.url));
const cliMain = path.join(here, '..', 'src', 'cli', 'main.js');
const decodeModule = path.join(here, '..', 'src', 'wmbus', 'decode.js');
const metersModule = path.join(here, '..', 'src', 'meters', 'index.js');
const referenceFile = path.resolve(repoRoot, '..', 'shared', 'conformance', 'reference-examples.jsonl');

interface Ran {
  ms: number;
  stdoutBytes: number;
  stderr: string;
}

/** Runs node with a module script, stdout through a pipe that is drained and counted. */
function runNode(script: string, args: string[]): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, ['--input-type=module', '-e', script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdoutBytes = 0;
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdoutBytes += d.length));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`node exited ${code}: ${stderr}`));
      else resolve({ ms: performance.now() - started, stdoutBytes, stderr });
    });
  });
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function medianOf(script: string, args: string[]): Promise<Ran & { all: number[] }> {
  const runs: Ran[] = [];
  for (let i = 0; i < ROUNDS; i++) runs.push(await runNode(script, args));
  const all = runs.map((r) => r.ms);
  const mid = median(all);
  return { ...runs.find((r) => r.ms === mid)!, all };
}

const CLI = `const { main } = await import(${JSON.stringify(cliMain)}); process.exitCode = await main(process.argv.slice(1));`;

/** The decoder alone on the same lines, once through as the CLI does it (its code not yet optimised). */
const IN_PROCESS = `
import { readFileSync } from 'node:fs';
const { decodeTelegram, FormatMemory, keyForAll, parseKey } = await import(${JSON.stringify(decodeModule)});
const { meterFamilies } = await import(${JSON.stringify(metersModule)});
const [file, key] = process.argv.slice(1);
const telegrams = readFileSync(file, 'utf8').trim().split('\\n').map((l) => Uint8Array.from(Buffer.from(l, 'hex')));
const options = { keys: keyForAll(parseKey(key)), formats: new FormatMemory(), meters: meterFamilies };
const started = performance.now();
for (const t of telegrams) if (!decodeTelegram(t, options).ok) throw new Error('not decoded');
process.stderr.write(String(performance.now() - started));
`;

/** Where jsonl's time goes (CPU profiles of the CLI, kept with the table they explain). */
const JSONL_NOTE = `Where jsonl's extra time goes: the output is 4,360 bytes per telegram (20 records with all their
qualifiers, as the format promises), and V8's JSON.stringify alone takes about 18 µs per telegram (360 ms for the
20,000), half again as much garbage collection as fields, and the 83 MiB written through the pipe. The result object is no longer
copied to add "ok" (the text is spliced, byte-identical: test/cli/decode.test.ts): 1.28 before, 1.22 after, at
load 7-9. A hand-written serializer was 20% slower than V8's; \`--format fields\` is the bulk format (7× smaller).`;

const fmt = (ms: number): string => `${Math.round(ms)} ms`;

export async function run(): Promise<string> {
  if (!existsSync(referenceFile)) return `Not measured: ${referenceFile} (the GAMA 350 telegram and its key) is missing.`;
  const gama = readFileSync(referenceFile, 'utf8')
    .split('\n')
    .filter((l) => l.includes('"EGM"'))
    .map((l) => JSON.parse(l) as { telegram_hex: string; key: string })[0]!;
  const dir = await mkdtemp(path.join(os.tmpdir(), 'wmbus-bulk-'));
  try {
    const input = path.join(dir, 'gama.hex');
    await writeFile(input, `${gama.telegram_hex}\n`.repeat(TELEGRAMS));
    const startup = await medianOf(CLI, ['help']);
    const inProcess: number[] = [];
    for (let i = 0; i < ROUNDS; i++) inProcess.push(Number((await runNode(IN_PROCESS, [input, gama.key])).stderr));
    const decodeMs = median(inProcess);
    const budget = startup.ms + 2 * decodeMs;
    const lines: string[] = [];
    for (const format of ['jsonl', 'fields']) {
      const whole = await medianOf(CLI, ['decode', '--input', input, '--key', gama.key, '--format', format]);
      const perTelegram = whole.stdoutBytes / TELEGRAMS;
      lines.push(
        `| \`--format ${format}\` | ${fmt(whole.ms)} | ${Math.round(TELEGRAMS / (whole.ms / 1000)).toLocaleString('en')}/s | ` +
          `${(whole.stdoutBytes / 2 ** 20).toFixed(1)} MiB (${Math.round(perTelegram)} B/telegram) | ` +
          `${((whole.ms - startup.ms) / decodeMs).toFixed(2)}× | ${(whole.ms / budget).toFixed(2)} |`,
      );
    }
    return [
      `${TELEGRAMS.toLocaleString('en')} GAMA 350 telegrams (191 bytes, mode 5) in a file, decoded with \`--key\` by the compiled`,
      'CLI, its output read through a pipe. Wall-clock medians of ' + `${ROUNDS} runs each.`,
      '',
      `- start-up (\`wmbus-gateway help\`): ${fmt(startup.ms)}`,
      `- the decoder alone, once through the ${TELEGRAMS.toLocaleString('en')} telegrams in a fresh process (what a CLI run pays, ` +
        `its code still warming up): ${fmt(decodeMs)}`,
      `- budget: start-up + 2 × decoder alone = ${fmt(budget)}`,
      '',
      '| output | whole process | telegrams/s | output size | (whole − start-up) / decoder | whole / budget |',
      '| --- | --- | --- | --- | --- | --- |',
      ...lines,
      '',
      'Target: whole / budget at most 1.',
      '',
      JSONL_NOTE,
    ].join('\n');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
