/**
 * Decode throughput on one core, next to the AES work alone on the same telegrams.
 * `npm run bench -- decode`
 */
import { createDecipheriv } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { buildTelegram } from '../src/wmbus/build.js';
import { meterFamilies } from '../src/meters/index.js';
import { FormatMemory, decodeTelegram, keysFromObject } from '../src/wmbus/decode.js';
import { idToBytes } from '../src/wmbus/hex.js';
import { cmac } from '../src/wmbus/security/cmac.js';
import { mode5Iv } from '../src/wmbus/security/iv.js';
import { KDF_ENC_FROM_METER, KDF_MAC_FROM_METER, kdfA } from '../src/wmbus/security/kdf.js';
import { repoRoot } from './paths.js';

export const title = 'Telegram decoder';

const referenceFile = path.resolve(repoRoot, '..', 'shared', 'conformance', 'reference-examples.jsonl');

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'hex'));

/** The AES work a telegram needs, done directly with node:crypto: the baseline. */
type CryptoJob = () => void;

interface Case {
  telegram: Uint8Array;
  crypto: CryptoJob;
}

const KEY_HEX = '67348567528326949493388078121677';
const KEY = hex(KEY_HEX);
// GAMA 350 (wmbusmeters issue #1542) decrypted application data, 176 bytes = 11 blocks: the
// telegram is 191 bytes on air like the real one.
const GAMA_METER = { manufacturer: 'EGM', id: '30434741', version: 1, deviceType: 2 };

function gamaPlaintext(): Uint8Array {
  if (existsSync(referenceFile)) {
    const gama = readFileSync(referenceFile, 'utf8')
      .split('\n')
      .filter((l) => l.includes('"EGM"'))
      .map((l) => JSON.parse(l) as { telegram_hex: string; key: string })[0];
    if (gama) {
      const t = hex(gama.telegram_hex);
      const iv = mode5Iv(t, 2, 4, t[8]!, t[9]!, t[11]!);
      const d = createDecipheriv('aes-128-cbc', hex(gama.key), iv).setAutoPadding(false);
      return new Uint8Array(Buffer.concat([d.update(t.subarray(15)), d.final()]));
    }
  }
  // Without the shared folder: records of the same shape (energy registers, power, voltages).
  const out = new Uint8Array(176).fill(0x2f);
  out.set(
    hex(
      '066D6F32A9343680' +
        '0C7841474330' +
        '0E03304606070000'.repeat(1) +
        '8E1003791337020000'.repeat(8) +
        '0B2B170300'.repeat(6) +
        '0AFDC9FC013202'.repeat(3),
    ),
  );
  return out;
}

function cbcJob(key: Uint8Array, iv: Uint8Array, t: Uint8Array, start: number, end: number): CryptoJob {
  return () => {
    const d = createDecipheriv('aes-128-cbc', key, iv);
    d.setAutoPadding(false);
    d.update(t.subarray(start, end));
    d.final();
  };
}

function mode5Case(plain: Uint8Array, acc: number, meter = GAMA_METER, tpl: 'short' | 'long' = 'short'): Case {
  const telegram = buildTelegram({ ...meter, accessNumber: acc, apl: plain, security: { mode: 5, key: KEY }, tpl });
  const at = tpl === 'short' ? 15 : 23;
  const iv =
    tpl === 'short'
      ? mode5Iv(telegram, 2, 4, meter.version, meter.deviceType, acc)
      : mode5Iv(telegram, 15, 11, meter.version, meter.deviceType, acc);
  return { telegram, crypto: cbcJob(KEY, iv, telegram, at, telegram.length) };
}

function mode7Case(plain: Uint8Array, counter: number): Case {
  const meter = { ...GAMA_METER, id: '30434742' };
  const telegram = buildTelegram({ ...meter, accessNumber: counter & 0xff, apl: plain, security: { mode: 7, key: KEY, counter } });
  const c = telegram.subarray(15, 19);
  const id = idToBytes(meter.id);
  return {
    telegram,
    crypto: () => {
      const kmac = kdfA(KEY, KDF_MAC_FROM_METER, c, id);
      cmac(kmac, new Uint8Array([...telegram.subarray(14, 19), ...telegram.subarray(27)]));
      const kenc = kdfA(KEY, KDF_ENC_FROM_METER, c, id);
      cbcJob(kenc, new Uint8Array(16), telegram, 33, telegram.length)();
    },
  };
}

function ellCase(): Case {
  // Kamstrup ELL II AES-CTR (wmbusmeters simulations/serial_aes.msg), key 28F64A24988064A079AA2C807D6102AE.
  const telegram = hex('2A442D2C998734761B168D2091D37CAC21E1D68CDAFFCD3DC452BD802913FF7B1706CA9E355D6C2701CC24');
  const key = hex('28F64A24988064A079AA2C807D6102AE');
  const icb = new Uint8Array(16);
  icb.set(telegram.subarray(2, 10));
  icb[8] = telegram[11]! & ~0x12;
  icb.set(telegram.subarray(13, 17), 9);
  return {
    telegram,
    crypto: () => {
      const d = createDecipheriv('aes-128-ctr', key, icb);
      d.update(telegram.subarray(17));
      d.final();
    },
  };
}

/**
 * Telegrams of the meter families that read proprietary payloads (their own examples, published
 * with wmbusmeters): Engelmann FAW compact mode 5 (6 blocks), Apator NA-1 (one block, zero key),
 * and without AES Diehl IZAR and Sharky (LFSR) and Techem mkradio.
 */
function familyCases(): Case[] {
  const faw = hex(
    '7644C5145528502202077320248622C5140007700060255F2AA2967EB77D0BF310341E3636D9ACC17CC5D69CE5632D7B494CC0718E2DBB916BBEC0C3FF2B0D6087FD0ABB3BA0779564CC089E4527987EF2221D26D7EA448CA59759ACFBEA4E5B0026EF463592B6668FBF680896E78B461DBB77C32903E0',
  );
  const na1 = hex('1C440106813591041407A0B000266A705474DDB80D9A0EB9AE2EF29D96');
  const none: CryptoJob = () => {};
  return [
    { telegram: faw, crypto: cbcJob(hex(FAW_KEY_HEX), mode5Iv(faw, 15, 11, faw[17]!, faw[18]!, faw[19]!), faw, 23, 23 + 96) },
    { telegram: na1, crypto: cbcJob(new Uint8Array(16), mode5Iv(na1, 2, 4, na1[8]!, na1[9]!, na1[11]!), na1, 13, 29) },
    { telegram: hex('1944304C72242421D401A2013D4013DD8B46A4999C1293E582CC'), crypto: none },
    {
      telegram: hex(
        '534424232004256092687A370045752235854DEEEA5939FAD81C25FEEF5A23C38FB9168493C563F08DB10BAF87F660FBA91296BA2397E8F4220B86D3A192FB51E0BFCF24DCE72118E0C75A9E89F43BDFE370824B',
      ),
      crypto: none,
    },
    { telegram: hex('2F446850313233347462A2069F255900B029310000000306060906030609070606050509050505050407040605070500'), crypto: none },
  ];
}

const FAW_KEY_HEX = '5CDB04C8EDFDC09EC49B5E76A24D4822';

const keys = keysFromObject({
  '22862420': FAW_KEY_HEX,
  '30434741': KEY_HEX,
  '30434742': KEY_HEX,
  '12345678': KEY_HEX,
  '76348799': '28F64A24988064A079AA2C807D6102AE',
});

/** Best of several short rounds: on a shared machine the fastest round is the least disturbed one. */
function measure(cases: Case[], work: (c: Case) => void, rounds = 7, ms = 300): number {
  for (let i = 0; i < 2000; i++) work(cases[i % cases.length]!);
  let best = 0;
  for (let r = 0; r < rounds; r++) {
    let n = 0;
    const start = performance.now();
    let now = start;
    while (now - start < ms) {
      for (let i = 0; i < 200; i++) work(cases[n++ % cases.length]!);
      now = performance.now();
    }
    best = Math.max(best, (n / (now - start)) * 1000);
  }
  return best;
}

function row(name: string, decodeRate: number, cryptoRate: number): string {
  const f = (r: number) => `${Math.round(r).toLocaleString('en-US')}/s (${(1e6 / r).toFixed(1)} µs)`;
  return `| ${name} | ${f(decodeRate)} | ${f(cryptoRate)} | ${(cryptoRate / decodeRate).toFixed(2)}× |`;
}

export async function run(): Promise<string> {
  const plain = gamaPlaintext();
  const gama = Array.from({ length: 256 }, (_, acc) => mode5Case(plain, acc));
  const small = hex('2F2F0C1427048502046D32371F1502FD170000');
  const els = { manufacturer: 'ELS', id: '12345678', version: 0x33, deviceType: 3 };
  const none: CryptoJob = () => {};
  const mixed: Case[] = [
    ...gama.slice(0, 4),
    mode5Case(small, 7, els),
    mode5Case(small, 8, els, 'long'),
    mode7Case(small, 1000),
    mode7Case(plain.subarray(0, 160), 1001),
    ellCase(),
    { telegram: buildTelegram({ ...els, accessNumber: 9, apl: small }), crypto: none },
    { telegram: buildTelegram({ ...GAMA_METER, id: '30434743', accessNumber: 9, apl: plain.subarray(0, 120) }), crypto: none },
    // PROTOCOL.md E2, wired M-Bus.
    { telegram: hex('6820206808FD72' + '78563412931533032A000000' + '0C1427048502046D32371F1502FD170000' + '8916'), crypto: none },
  ];
  const families = familyCases();
  const formats = new FormatMemory();
  for (const c of [...gama, ...mixed, ...families]) {
    const r = decodeTelegram(c.telegram, { keys, formats, meters: meterFamilies });
    if (!r.ok) throw new Error(`bench telegram does not decode: ${r.error.code} ${r.error.message}`);
  }
  const decode = (c: Case) => decodeTelegram(c.telegram, { keys, formats, meters: meterFamilies });
  const crypto = (c: Case) => c.crypto();
  const gamaDecode = measure(gama, decode);
  const gamaCrypto = measure(gama, crypto);
  const mixedDecode = measure(mixed, decode);
  const mixedCrypto = measure(mixed, crypto);
  const familiesDecode = measure(families, decode);
  const familiesCrypto = measure(families, crypto);
  return [
    'One core, `decodeTelegram` from bytes to records and friendly fields, against the AES work alone',
    '(node:crypto: a CBC/CTR decipher per telegram, and for mode 7 the KDF-A and MAC CMACs). The decoder itself',
    'keeps one AES cipher per key rather than one per telegram, so its own AES share is below this baseline.',
    '',
    '| telegrams | whole decode | AES alone | decode / AES |',
    '| --- | --- | --- | --- |',
    row('GAMA 350, 191 bytes, mode 5 (11 blocks)', gamaDecode, gamaCrypto),
    row(`mixed (${mixed.length}: mode 5 short/long, mode 7 + AFL, ELL CTR, plain, wired)`, mixedDecode, mixedCrypto),
    row(`meter families (${families.length}: FAW compact mode 5, NA-1 AES block, IZAR, Sharky, mkradio)`, familiesDecode, familiesCrypto),
    '',
    'Target: whole decode within 3× of the AES work alone. Best of 7 rounds of 0.3 s each, on the code compiled',
    'with tsc as production runs it.',
  ].join('\n');
}
