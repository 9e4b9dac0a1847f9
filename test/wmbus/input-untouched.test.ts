import { describe, expect, it } from 'vitest';
import { buildTelegram } from '../../src/wmbus/build.js';
import { FormatMemory, decodeTelegram, keyForAll, parseKey } from '../../src/wmbus/decode.js';
import { haveShared, referenceExamples, sharedMissing } from '../conformance/shared-files.js';
import { hex } from '../support/bytes.js';

// The decoder decrypts in place on its own copy: the caller's bytes (a radio buffer, a Buffer read
// from a file, a view into a larger capture) must come back as they went in, so decoding the same
// telegram again gives the same answer.

interface Sample {
  name: string;
  telegram: Uint8Array;
  key: Uint8Array;
}

const KEY = parseKey('000102030405060708090A0B0C0D0E0F');
const GUARD = 0xa5;

const built: Sample[] = [
  {
    name: 'built mode 5 telegram',
    key: KEY,
    telegram: buildTelegram({
      manufacturer: 'ELS',
      id: '12345678',
      version: 0x33,
      deviceType: 3,
      accessNumber: 7,
      apl: hex('2F2F0C1427048502046D32371F1502FD170000'),
      security: { mode: 5, key: KEY },
    }),
  },
  {
    name: 'built mode 7 telegram',
    key: KEY,
    telegram: buildTelegram({
      manufacturer: 'ELS',
      id: '12345679',
      version: 0x33,
      deviceType: 3,
      accessNumber: 8,
      apl: hex('2F2F0C1427048502046D32371F1502FD170000'),
      security: { mode: 7, key: KEY, counter: 1000 },
    }),
  },
];

const shared: Sample[] = referenceExamples()
  .filter((e) => e.telegram_hex !== undefined && e.key !== undefined)
  .map((e) => ({ name: e.name, telegram: hex(e.telegram_hex!), key: parseKey(e.key!) }));

/** The three ways a caller hands bytes over: a Node Buffer, a plain Uint8Array, a view into a larger buffer. */
function inputs(telegram: Uint8Array): Array<{ kind: string; bytes: Uint8Array; whole: Uint8Array }> {
  const buffer = Buffer.from(telegram);
  const plain = Uint8Array.from(telegram);
  const bigBuffer = Buffer.alloc(telegram.length + 64, GUARD);
  bigBuffer.set(telegram, 32);
  const bigArray = new Uint8Array(telegram.length + 64).fill(GUARD);
  bigArray.set(telegram, 32);
  return [
    { kind: 'Buffer', bytes: buffer, whole: buffer },
    { kind: 'Uint8Array', bytes: plain, whole: plain },
    { kind: 'Buffer view into a larger Buffer', bytes: bigBuffer.subarray(32, 32 + telegram.length), whole: bigBuffer },
    { kind: 'Uint8Array view into a larger array', bytes: bigArray.subarray(32, 32 + telegram.length), whole: bigArray },
  ];
}

function checkUntouched(sample: Sample): void {
  for (const input of inputs(sample.telegram)) {
    const before = Uint8Array.from(input.whole);
    const options = () => ({ keys: keyForAll(sample.key), formats: new FormatMemory() });
    const first = decodeTelegram(input.bytes, options());
    expect(first.ok ? 'ok' : first.error.code, `${sample.name}, ${input.kind}`).toBe('ok');
    expect(Uint8Array.from(input.whole), `${sample.name}: ${input.kind} changed by decoding`).toEqual(before);
    const second = decodeTelegram(input.bytes, options());
    expect(second, `${sample.name}: second decode of the same ${input.kind}`).toEqual(first);
    expect(Uint8Array.from(input.whole)).toEqual(before);
  }
}

describe('the decoder leaves the caller’s bytes alone', () => {
  for (const sample of built) it(`${sample.name}: Buffer, Uint8Array and views decode twice alike`, () => checkUntouched(sample));
});

// EN 13757-3:2018 annex G.5: records 02 02 D204 | 02 15 2E16 | 02 2A 3423 (123.4 Wh, 567.8 m3,
// 901.2 W), their format frame 69 08 313B 02020215022A and compact frame 79 313B 42A6 D2042E163423,
// behind a DLL header of ELS meter 12345678.
function withDll(apdu: string): Uint8Array {
  const t = hex(`00449315785634123303${apdu}`);
  t[0] = t.length - 1;
  return t;
}

describe('a learned record format does not live in the caller’s memory', () => {
  it('decodes a compact frame after the Buffer that carried its format frame was reused', () => {
    const formats = new FormatMemory();
    const radioBuffer = Buffer.from(withDll('6908313B02020215022A'));
    const learned = decodeTelegram(radioBuffer, { formats });
    expect(learned.ok).toBe(true);
    radioBuffer.fill(0xff); // the receiver reuses its buffer for the next frame
    const compact = decodeTelegram(withDll('79313B42A6D2042E163423'), { formats });
    if (!compact.ok) throw new Error(`${compact.error.code}: ${compact.error.message}`);
    expect(compact.telegram.records.map((r) => [r.quantity, r.unit, r.value])).toEqual([
      ['energy', 'Wh', 123.4],
      ['volume', 'm3', 567.8],
      ['power', 'W', 901.2],
    ]);
  });
});

describe.skipIf(!haveShared)('the decoder leaves the caller’s bytes alone (conformance telegrams)', () => {
  it('has encrypted examples, the GAMA 350 among them', () => {
    expect(shared.some((s) => s.name.includes('GAMA 350'))).toBe(true);
  });
  for (const sample of shared) it(`${sample.name}: Buffer, Uint8Array and views decode twice alike`, () => checkUntouched(sample));
});

if (!haveShared) console.warn(sharedMissing);
