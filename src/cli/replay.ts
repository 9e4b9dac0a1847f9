import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { meterFamilies } from '../meters/index.js';
import { type DecodeOptions, FormatMemory, decodeTelegram } from '../wmbus/decode.js';
import { stripBlockCrcs } from '../wmbus/frame/blocks.js';
import type { FrameFormat } from '../wmbus/frame/blocks.js';
import { decodeRawFrame } from '../wmbus/frame/decode-raw.js';
import { C_MARKER, C_MARKER_FORMAT_A, C_MARKER_FORMAT_B } from '../wmbus/frame/start.js';
import { parseRtlWmbusLine, type RtlWmbusTelegram } from '../wmbus/frame/rtlwmbus.js';
import type { FrameResult, LinkFrame, RadioMode } from '../wmbus/frame/types.js';
import { parseHex, toHex } from '../wmbus/hex.js';
import { BitStreamDecoder } from '../wmbus/phy/bit-stream.js';
import { loadKeys, resultFieldsLine, resultJson, resultText } from './decode.js';
import { type CliIo, EXIT_OK, UsageError, cliWords } from './io.js';
import { readLines } from './lines.js';
import { LineOutput } from './output.js';

/**
 * `wmbus-gateway replay`: find the frames in a capture and print them, decoded when keys are given.
 * Inputs: `bits` (raw demodulated bits, MSB first), `hex` (one frame per line: the frame with its
 * CRCs from L, or the bytes after the sync word), `rtlwmbus` (lines as rtl_wmbus prints them).
 */

type Input = 'bits' | 'hex' | 'rtlwmbus';
type Format = 'jsonl' | 'fields' | 'text';
const INPUTS: readonly Input[] = ['bits', 'hex', 'rtlwmbus'];
const FORMATS: readonly Format[] = ['jsonl', 'fields', 'text'];

interface ReplayArgs {
  file: string;
  input: Input;
  keys?: string;
  format: Format;
  syncErrors: number;
  repair: boolean;
}

function parseArgs(args: string[]): ReplayArgs {
  let file: string | undefined;
  let input: Input | undefined;
  const out: Omit<ReplayArgs, 'file' | 'input'> = { format: 'jsonl', syncErrors: 0, repair: true };
  for (const { arg, value } of cliWords(args)) {
    if (arg === '--input') {
      const v = value();
      if (!INPUTS.includes(v as Input)) throw new UsageError(`--input must be one of ${INPUTS.join(', ')}, got '${v}'`);
      input = v as Input;
    } else if (arg === '--format') {
      const v = value();
      if (!FORMATS.includes(v as Format)) throw new UsageError(`--format must be one of ${FORMATS.join(', ')}, got '${v}'`);
      out.format = v as Format;
    } else if (arg === '--keys') out.keys = value();
    else if (arg === '--sync-errors') {
      const v = Number(value());
      if (!Number.isInteger(v) || v < 0 || v > 4) throw new UsageError('--sync-errors must be 0 to 4');
      out.syncErrors = v;
    } else if (arg === '--no-repair') out.repair = false;
    else if (arg.startsWith('--') || (file !== undefined && arg !== '-')) throw new UsageError(`unexpected argument ${arg}`);
    else if (file !== undefined) throw new UsageError(`give one capture, got ${file} and ${arg}`);
    else file = arg;
  }
  if (file === undefined) throw new UsageError('give the capture file, or - for stdin');
  if (input === undefined) throw new UsageError('say what the capture holds: --input bits, hex or rtlwmbus');
  return { file, input, ...out };
}

async function openCapture(file: string, io: CliIo): Promise<Readable> {
  if (file === '-') return io.stdin;
  try {
    if (!(await stat(file)).isFile()) throw new UsageError(`${file} is not a file`);
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(`cannot read capture ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  return createReadStream(file);
}

/** A frame as replay prints it: what the source did not say (mode, format) is left out. */
export interface Found {
  frame: LinkFrame;
  mode?: RadioMode;
  frameFormat?: FrameFormat;
  line?: number;
}

class Tally {
  frames = 0;
  repaired = 0;
  readonly rejected = new Map<string, number>();

  reject(reason: string): void {
    this.rejected.set(reason, (this.rejected.get(reason) ?? 0) + 1);
  }

  summary(): string {
    const total = [...this.rejected.values()].reduce((a, b) => a + b, 0);
    const reasons = [...this.rejected.entries()].sort((a, b) => b[1] - a[1]).map(([r, n]) => `${r} ${n}`);
    return (
      `replay: ${this.frames} frame${this.frames === 1 ? '' : 's'} found (${this.repaired} repaired), ` +
      `${total} rejected${total > 0 ? ': ' + reasons.join(', ') : ''}\n`
    );
  }
}

export function frameJson(f: Found): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (f.mode) out['mode'] = f.mode;
  if (f.frameFormat) out['frameFormat'] = f.frameFormat;
  if (f.frame.bitOffset !== undefined) out['bitOffset'] = f.frame.bitOffset;
  if (f.line !== undefined) out['line'] = f.line;
  out['corrected'] = f.frame.corrected;
  out['telegram'] = toHex(f.frame.telegram);
  if (f.frame.rssi !== undefined) out['rssi'] = f.frame.rssi;
  if (f.frame.lqi !== undefined) out['lqi'] = f.frame.lqi;
  if (f.frame.freqOffsetHz !== undefined) out['freqOffsetHz'] = f.frame.freqOffsetHz;
  if (f.frame.time !== undefined) out['time'] = new Date(f.frame.time).toISOString();
  return out;
}

export function frameText(f: Found): string {
  const where = f.frame.bitOffset !== undefined ? `bit ${f.frame.bitOffset}` : f.line !== undefined ? `line ${f.line}` : '';
  const kind = `${f.mode ?? '-'}/${f.frameFormat ?? '-'}`;
  const extra = [
    f.frame.corrected > 0 ? `corrected ${f.frame.corrected}` : '',
    f.frame.rssi !== undefined ? `rssi ${f.frame.rssi}` : '',
    f.frame.time !== undefined ? new Date(f.frame.time).toISOString() : '',
  ].filter((x) => x !== '');
  return `${kind}  ${where}${extra.length ? '  ' + extra.join('  ') : ''}\n  ${toHex(f.frame.telegram)}\n`;
}

/** A hex line: the frame with CRCs from L (format A, then B), or the bytes after the sync word. */
function frameFromHex(bytes: Uint8Array, repair: boolean): { result: FrameResult; modeKnown: boolean } {
  for (const marker of [C_MARKER_FORMAT_A, C_MARKER_FORMAT_B]) {
    const raw = new Uint8Array(bytes.length + 2);
    raw[0] = C_MARKER;
    raw[1] = marker;
    raw.set(bytes, 2);
    // the frame alone says nothing of the mode it was sent in
    const r = decodeRawFrame({ raw }, { repair });
    if (r.ok) return { result: r, modeKnown: false };
  }
  return { result: decodeRawFrame({ raw: bytes }, { repair }), modeKnown: true };
}

/** An rtl_wmbus telegram: normally without CRCs; with them when an older rtl_wmbus printed it. */
function frameFromRtl(t: RtlWmbusTelegram): { result: FrameResult; frameFormat?: FrameFormat } {
  if (!t.crcOk) return { result: { ok: false, reason: 'CRC', message: 'rtl_wmbus flagged a CRC error' } };
  if (!t.codingOk) return { result: { ok: false, reason: 'NOT_3OF6', message: 'rtl_wmbus flagged a 3-of-6 coding error' } };
  const frame: LinkFrame = { mode: t.mode, frameFormat: 'A', telegram: t.bytes, corrected: 0 };
  if (t.rssi !== undefined) frame.rssi = t.rssi;
  if (t.time !== undefined) frame.time = t.time;
  for (const format of ['A', 'B'] as const) {
    const stripped = stripBlockCrcs(format, t.bytes);
    if (stripped.ok && stripped.frame.length < t.bytes.length) {
      return { result: { ok: true, frame: { ...frame, frameFormat: format, telegram: stripped.frame } }, frameFormat: format };
    }
  }
  if (t.bytes[0]! + 1 !== t.bytes.length) {
    return { result: { ok: false, reason: 'LENGTH', message: `L=${t.bytes[0]} does not match the ${t.bytes.length} bytes` } };
  }
  // Without CRCs the frame format of a C1 telegram is lost; T1 is always frame A.
  return { result: { ok: true, frame }, ...(t.mode === 'T' ? { frameFormat: 'A' as const } : {}) };
}

export async function replayCommand(argv: string[], io: CliIo): Promise<number> {
  const args = parseArgs(argv);
  const keys = args.keys !== undefined ? await loadKeys({ keys: args.keys }) : undefined;
  const capture = await openCapture(args.file, io);
  // fields only exist decoded: without keys the clear telegrams still decode
  const decodeOptions: DecodeOptions | undefined =
    keys || args.format === 'fields' ? { keys, formats: new FormatMemory(), meters: meterFamilies } : undefined;
  const out = new LineOutput(io.stdout);
  const tally = new Tally();
  let count = 0;

  const emit = async (found: Found): Promise<void> => {
    tally.frames++;
    if (found.frame.corrected > 0) tally.repaired++;
    count++;
    const decoded = decodeOptions ? decodeTelegram(found.frame.telegram, decodeOptions) : undefined;
    if (args.format === 'fields') await out.write(resultFieldsLine(decoded!, found.frame.time));
    else if (args.format === 'jsonl') {
      await out.write(JSON.stringify({ ...frameJson(found), ...(decoded ? resultJson(decoded) : {}) }) + '\n');
    } else await out.write(frameText(found) + (decoded ? resultText(decoded, count) : '') + '\n');
  };

  if (args.input === 'bits') {
    const found: Found[] = [];
    const decoder = new BitStreamDecoder(
      {
        frame: (frame) => found.push({ frame, mode: frame.mode, frameFormat: frame.frameFormat }),
        reject: (reason) => tally.reject(reason),
      },
      { syncErrors: args.syncErrors, repair: args.repair },
    );
    const flush = async () => {
      for (const f of found.splice(0)) await emit(f);
    };
    for await (const chunk of capture) {
      if (out.closed) break;
      decoder.push(chunk as Uint8Array);
      await flush();
    }
    decoder.end();
    await flush();
  } else {
    let lineNo = 0;
    for await (const text of readLines(capture)) {
      if (out.closed) break;
      lineNo++;
      const line = text.trim();
      if (line === '' || line.startsWith('#')) continue;
      if (args.input === 'hex') {
        const bytes = parseHex(line);
        if (!bytes || bytes.length === 0) {
          tally.reject('NOT_HEX');
          continue;
        }
        const { result, modeKnown } = frameFromHex(bytes, args.repair);
        if (!result.ok) tally.reject(result.reason);
        else
          await emit({
            frame: result.frame,
            line: lineNo,
            frameFormat: result.frame.frameFormat,
            ...(modeKnown ? { mode: result.frame.mode } : {}),
          });
        continue;
      }
      const parsed = parseRtlWmbusLine(line);
      if (!parsed.ok) {
        tally.reject('NOT_T1_C1_LINE');
        continue;
      }
      for (const t of parsed.telegrams) {
        const { result, frameFormat } = frameFromRtl(t);
        if (!result.ok) tally.reject(result.reason);
        else await emit({ frame: result.frame, line: lineNo, mode: t.mode, ...(frameFormat ? { frameFormat } : {}) });
      }
    }
  }
  await out.flush();
  io.stderr.write(tally.summary());
  return EXIT_OK;
}
