import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { meterFamilies } from '../meters/index.js';
import { type DecodeOptions, FormatMemory, decodeTelegram, keyForAll, keysFromObject, parseKey } from '../wmbus/decode.js';
import { hexByte, parseHex } from '../wmbus/hex.js';
import type { DecodeResult, DecodedTelegram, KeyLookup, MbusRecord } from '../wmbus/types.js';
import { type CliIo, EXIT_OK, UsageError, cliWords } from './io.js';
import { readLines } from './lines.js';
import { LineOutput } from './output.js';

/**
 * `wmbus-gateway decode`: telegrams as hex from the command line or one per line from a file or
 * stdin; one result per telegram as JSON, JSON lines, compact field lines or an analyser-style text table.
 */

type Format = 'json' | 'jsonl' | 'fields' | 'text';

interface DecodeArgs {
  hex: string[];
  input?: string;
  key?: string;
  keys?: string;
  format: Format;
}

const FORMATS: readonly Format[] = ['json', 'jsonl', 'fields', 'text'];
const PROGRESS_EVERY = 1000;

function parseArgs(args: string[]): DecodeArgs {
  const out: DecodeArgs = { hex: [], format: 'json' };
  for (const { arg, value } of cliWords(args)) {
    if (arg === '--input') out.input = value();
    else if (arg === '--key') out.key = value();
    else if (arg === '--keys') out.keys = value();
    else if (arg === '--format') {
      const f = value();
      if (!FORMATS.includes(f as Format)) throw new UsageError(`--format must be one of ${FORMATS.join(', ')}, got '${f}'`);
      out.format = f as Format;
    } else if (arg.startsWith('--')) throw new UsageError(`unknown option ${arg}`);
    else out.hex.push(arg);
  }
  if (out.hex.length === 0 && out.input === undefined) {
    throw new UsageError('give telegrams as HEX arguments or with --input FILE (or --input - for stdin)');
  }
  return out;
}

/** Keys from --keys FILE and --key HEX (shared with `replay`); bad input is a UsageError. */
export async function loadKeys(args: Pick<DecodeArgs, 'key' | 'keys'>): Promise<KeyLookup | undefined> {
  let fromFile: KeyLookup | undefined;
  if (args.keys !== undefined) {
    let text: string;
    try {
      text = await readFile(args.keys, 'utf8');
    } catch (err) {
      throw new UsageError(`cannot read keys file ${args.keys}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    let obj: unknown;
    try {
      obj = JSON.parse(text);
    } catch (err) {
      throw new UsageError(`keys file ${args.keys} is not JSON: ${(err as Error).message}`);
    }
    try {
      fromFile = keysFromObject(obj as Record<string, string>);
    } catch (err) {
      throw new UsageError(`keys file ${args.keys}: ${(err as Error).message}`);
    }
  }
  let all: KeyLookup | undefined;
  if (args.key !== undefined) {
    try {
      all = keyForAll(parseKey(args.key, '--key'));
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
  }
  if (fromFile && all) {
    const file = fromFile;
    const fallback = all;
    return (id, m) => file(id, m) ?? fallback(id, m);
  }
  return fromFile ?? all;
}

async function openInput(input: string, io: CliIo): Promise<Readable> {
  if (input === '-') return io.stdin;
  try {
    const s = await stat(input);
    if (!s.isFile()) throw new UsageError(`--input ${input} is not a file`);
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(`cannot read input file ${input}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  return createReadStream(input);
}

/** The JSON shape of one result. */
export function resultJson(result: DecodeResult): Record<string, unknown> {
  return result.ok ? { ok: true, ...result.telegram } : { ok: false, error: result.error };
}

/**
 * `JSON.stringify(resultJson(result), null, indent)` without building that object: the telegram's own
 * JSON with "ok" spliced in front. Bulk decoding spends most of its time on this text (BENCHMARKS.md, bulk).
 */
export function resultJsonText(result: DecodeResult, indent?: number): string {
  if (!result.ok) return JSON.stringify(resultJson(result), null, indent);
  const telegram = JSON.stringify(result.telegram, null, indent);
  const ok = indent ? `{\n${' '.repeat(indent)}"ok": true` : '{"ok":true';
  return telegram === '{}' ? `${ok}${indent ? '\n' : ''}}` : `${ok},${telegram.slice(1)}`;
}

/**
 * The compact line of `--format fields`, for bulk work: the meter id, the time (when received if the
 * input says so, else the meter's own clock), and the named fields; a failed telegram gives its error code.
 */
export function resultFieldsLine(result: DecodeResult, receivedMs?: number): string {
  if (!result.ok) return JSON.stringify({ id: result.error.id ?? null, error: result.error.code }) + '\n';
  const { id, fields } = result.telegram;
  const time = receivedMs !== undefined ? new Date(receivedMs).toISOString() : (fields['meter_datetime'] ?? null);
  return JSON.stringify({ id, time, ...fields }) + '\n';
}

function securityText(t: DecodedTelegram): string {
  const s = t.security;
  const parts = [`mode ${s.mode}`];
  if (s.ell) parts.push('ELL AES-CTR');
  if (s.blocks !== undefined) parts.push(`${s.blocks} encrypted blocks`);
  if (s.counter !== undefined) parts.push(`counter ${s.counter}`);
  if (s.macVerified) parts.push('MAC verified');
  parts.push(s.decrypted ? 'decrypted' : s.mode !== 0 || s.ell ? 'arrived in clear' : 'not encrypted');
  return parts.join(', ');
}

function recordRow(r: MbusRecord): string[] {
  const where = [
    r.function !== 'instantaneous' ? r.function : '',
    r.direction ?? '',
    r.phase ?? '',
    r.storage ? `storage ${r.storage}` : '',
    r.tariff ? `tariff ${r.tariff}` : '',
    r.subunit ? `subunit ${r.subunit}` : '',
    ...(r.qualifiers ?? []),
  ].filter((x) => x !== '');
  const value = r.value === null ? 'invalid' : String(r.value);
  return [r.quantity, `${value}${r.unit ? ' ' + r.unit : ''}`, where.join(', '), `${r.dif} ${r.vif}`, r.data];
}

function table(rows: string[][], indent: string): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows
    .map(
      (row) =>
        indent +
        row
          .map((cell, i) => cell.padEnd(widths[i]!))
          .join('  ')
          .trimEnd(),
    )
    .join('\n');
}

/** The analyser view of one result. */
export function resultText(result: DecodeResult, n: number): string {
  if (!result.ok) {
    const e = result.error;
    const who = e.id ? ` (${e.manufacturer} ${e.id}, ${e.medium})` : '';
    return `telegram ${n}${who}\n  error    ${e.code}: ${e.message}\n`;
  }
  const t = result.telegram;
  const lines = [
    `telegram ${n}`,
    `  meter    ${t.manufacturer} ${t.id}  version ${t.version}  type 0x${hexByte(t.deviceType)} (${t.medium})`,
    `  link     ${t.link.kind === 'wired' ? 'wired M-Bus' : 'wireless M-Bus'}  C=0x${hexByte(t.link.c)}  DLL ${t.link.dllManufacturer} ${t.link.dllId}` +
      (t.accessNumber !== undefined ? `  access ${t.accessNumber}` : '') +
      (t.status !== undefined ? `  status 0x${hexByte(t.status)}` : ''),
    `  security ${securityText(t)}`,
  ];
  if (t.records.length > 0) {
    lines.push(`  records  ${t.records.length}`);
    lines.push(table([['quantity', 'value', 'qualifiers', 'dif vif', 'data'], ...t.records.map(recordRow)], '    '));
  } else lines.push('  records  none');
  const fields = Object.entries(t.fields);
  if (fields.length > 0) {
    lines.push('  fields');
    lines.push(
      table(
        fields.map(([k, v]) => [k, String(v)]),
        '    ',
      ),
    );
  }
  return lines.join('\n') + '\n';
}

export async function decodeCommand(argv: string[], io: CliIo): Promise<number> {
  const args = parseArgs(argv);
  const keys = await loadKeys(args);
  const telegrams: Uint8Array[] = [];
  for (const text of args.hex) {
    const bytes = parseHex(text);
    if (!bytes || bytes.length === 0) throw new UsageError(`'${text.length > 40 ? text.slice(0, 40) + '…' : text}' is not a hex telegram`);
    telegrams.push(bytes);
  }
  const input = args.input !== undefined ? await openInput(args.input, io) : undefined;

  const options: DecodeOptions = { keys, formats: new FormatMemory(), meters: meterFamilies };
  const out = new LineOutput(io.stdout);
  const progress = io.stderr.isTTY === true;
  let count = 0;
  let lastProgress = 0;

  const emit = async (result: DecodeResult): Promise<void> => {
    count++;
    if (args.format === 'fields') await out.write(resultFieldsLine(result));
    else if (args.format === 'text') await out.write(resultText(result, count) + '\n');
    else await out.write(resultJsonText(result, args.format === 'json' ? 2 : undefined) + '\n');
    if (progress && count % PROGRESS_EVERY === 0 && Date.now() - lastProgress > 200) {
      lastProgress = Date.now();
      io.stderr.write(`\rdecoded ${count} telegrams`);
    }
  };

  for (const bytes of telegrams) {
    if (out.closed) break;
    await emit(decodeTelegram(bytes, options));
  }
  if (input && !out.closed) {
    let lineNo = 0;
    for await (const line of readLines(input)) {
      if (out.closed) break;
      lineNo++;
      const text = line.trim();
      if (text === '' || text.startsWith('#')) continue;
      const bytes = parseHex(text);
      if (!bytes || bytes.length === 0) {
        await emit({ ok: false, error: { code: 'MALFORMED', message: `line ${lineNo} of the input is not hex` } });
        continue;
      }
      await emit(decodeTelegram(bytes, options));
    }
  }
  await out.flush();
  if (progress && lastProgress !== 0) io.stderr.write(`\rdecoded ${count} telegrams\n`);
  return EXIT_OK;
}
