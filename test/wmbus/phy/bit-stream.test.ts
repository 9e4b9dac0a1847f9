import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { LinkFrame } from '../../../src/wmbus/frame/types.js';
import { BitStreamDecoder } from '../../../src/wmbus/phy/bit-stream.js';
import { BitWriter, KINDS, type Sent, frameOnAir, maxL, prng, randomTelegram } from '../../support/random-air.js';
import { gamaBytes, haveShared } from '../../conformance/shared-files.js';
import { toHex } from '../../support/bytes.js';

function decodeAll(stream: Uint8Array, chunkSizes: () => number, syncErrors = 0): LinkFrame[] {
  const frames: LinkFrame[] = [];
  const decoder = new BitStreamDecoder({ frame: (f) => frames.push(f) }, { syncErrors });
  for (let at = 0; at < stream.length;) {
    const n = Math.max(1, chunkSizes());
    decoder.push(stream.subarray(at, at + n));
    at += n;
  }
  decoder.end();
  return frames;
}

const summary = (f: LinkFrame | Sent) => ({
  mode: f.mode,
  frameFormat: f.frameFormat,
  bitOffset: f.bitOffset,
  telegram: toHex(f.telegram),
});

describe('streaming bit decoder', () => {
  // Every kind of frame at every length, with random noise of random length between them, so that
  // each frame starts at a random bit offset.
  const random = prng(0x5eed);
  const w = new BitWriter();
  const sent: Sent[] = [];
  const telegrams: Array<{ kind: (typeof KINDS)[number]; telegram: Uint8Array }> = [];
  for (const kind of KINDS) {
    for (let l = 10; l <= maxL(kind.frameFormat); l++) telegrams.push({ kind, telegram: randomTelegram(l, random) });
  }
  if (haveShared) {
    // Elgama GAMA 350: a real 191-byte T1 telegram (wmbusmeters issue #1542, via the conformance set).
    const gama = gamaBytes();
    for (const kind of KINDS) telegrams.push({ kind, telegram: gama });
  }
  for (let i = telegrams.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [telegrams[i], telegrams[j]] = [telegrams[j]!, telegrams[i]!];
  }
  for (const { kind, telegram } of telegrams) {
    w.noise(Math.floor(random() * 3000), random);
    const afterSync = frameOnAir(kind.mode, kind.frameFormat, telegram);
    const bitOffset = w.frame(afterSync, 19 + Math.floor(random() * 10));
    sent.push({ ...kind, telegram, afterSync, bitOffset });
  }
  w.noise(2000, random);
  const stream = w.finish();

  it(`finds all ${sent.length} frames (T, C/A, C/B, L = 10..255) exactly, in large chunks`, () => {
    const frames = decodeAll(stream, () => Math.floor(random() * 20000));
    expect(frames.map(summary)).toEqual(sent.map(summary));
    expect(frames.every((f) => f.corrected === 0)).toBe(true);
  });

  it('finds the same frames when the stream arrives in chunks of 1 to 7 bytes', () => {
    const frames = decodeAll(stream, () => 1 + Math.floor(random() * 7));
    expect(frames.map(summary)).toEqual(sent.map(summary));
  });

  it('finds no frame in 64 Mbit of noise, even with a sync tolerance of 2 bits', () => {
    const noise = new Uint8Array(randomBytes(8 << 20));
    const found: LinkFrame[] = [];
    const decoder = new BitStreamDecoder({ frame: (f) => found.push(f) }, { syncErrors: 2 });
    for (let at = 0; at < noise.length; at += 65536) decoder.push(noise.subarray(at, at + 65536));
    decoder.end();
    expect(found).toEqual([]);
    // the noise did trigger the sync search: thousands of candidates were examined and dropped
    expect(decoder.stats.syncs).toBeGreaterThan(10_000);
    expect(decoder.stats.syncs).toBe(Object.values(decoder.stats.rejected).reduce((a, b) => a + b, 0));
  });

  it('accepts a sync word with one wrong bit only when told to tolerate it', () => {
    const telegram = randomTelegram(40, prng(7));
    const afterSync = frameOnAir('T', 'A', telegram);
    const bits = new BitWriter();
    bits.noise(101, prng(8));
    for (let i = 0; i < 20; i++) bits.bits(0b01, 2);
    bits.bits(0x543d ^ 0x0100, 16);
    bits.byteArray(afterSync);
    bits.noise(64, prng(9));
    const stream = bits.finish();
    expect(decodeAll(stream, () => 100)).toEqual([]);
    const tolerant = decodeAll(stream, () => 100, 1);
    expect(tolerant.map((f) => toHex(f.telegram))).toEqual([toHex(telegram)]);
    expect(tolerant[0]!.bitOffset).toBe(101 + 40 + 16);
  });

  it('finds a frame hidden behind a false sync whose claimed length covers it', () => {
    // Noise that reads as a sync word followed by the start of a long T frame (L = 200): the decoder
    // must go back and find the real frame that starts inside those 300+ bytes.
    const random2 = prng(11);
    const telegram = randomTelegram(30, random2);
    const bits = new BitWriter();
    bits.bits(0x543d, 16);
    bits.byteArray(frameOnAir('T', 'A', randomTelegram(200, random2)).subarray(0, 6));
    bits.noise(300, random2);
    const at = bits.frame(frameOnAir('C', 'A', telegram), 20);
    bits.noise(4000, random2);
    const frames = decodeAll(bits.finish(), () => 50);
    expect(frames.map((f) => [f.bitOffset, toHex(f.telegram)])).toEqual([[at, toHex(telegram)]]);
  });
});
