/**
 * Diehl Metering radio meters (manufacturer codes DME, HYD, SAP, EWT, SPL). Besides OMS telegrams
 * they send two formats of their own, both scrambled with Diehl's LFSR (diehl-lfsr.ts):
 * - PRIOS (IZAR water meters): manufacturer CI 0xA0..0xA7, read in dme-izar.ts;
 * - "real data" (Sharky heat meters): CI 0x7A with a security mode of the manufacturer's own
 *   (16..31); the unscrambled APDU is standard records. It is accepted only when the byte sum
 *   matches the configuration byte (bits other than 4) and every record parses to the end.
 * Both put version and device type before the serial number in the link header, except SAP's
 * PRIOS, which spends the version byte on a longer serial and is a water meter.
 */
import { parseRecords } from '../wmbus/apl/records.js';
import { idFromBytes } from '../wmbus/hex.js';
import { manufacturerAt } from '../wmbus/manufacturer.js';
import type { MeterAddress, MeterFamily } from '../wmbus/meter-family.js';
import { SCRAMBLED_AT, unscrambleChecked } from './diehl-lfsr.js';
import { decodePrios, izarExamples } from './dme-izar.js';

const DIEHL = new Set(['SAP', 'DME', 'HYD', 'EWT', 'SPL']);
const SND_NR = 0x44;
const SND_IR = 0x46;
const CI_AT = 10;
const SHORT_TPL = 0x7a;
const ALARM = 0x71;
const WATER = 0x07;

function isPriosCi(ci: number): boolean {
  return (ci >= 0xa0 && ci <= 0xa7) || (ci >= 0xb1 && ci <= 0xb3);
}

/** Real data: a short TPL whose security mode is 16..31 (bit 4 of the mode field, byte 14). */
function isRealData(frame: Uint8Array): boolean {
  return frame[CI_AT] === ALARM || (frame[CI_AT] === SHORT_TPL && frame.length > SCRAMBLED_AT && (frame[14]! & 0x10) !== 0);
}

function linkAddress(frame: Uint8Array): MeterAddress | undefined {
  if (frame.length <= SCRAMBLED_AT || (frame[1] !== SND_NR && frame[1] !== SND_IR)) return undefined;
  const ci = frame[CI_AT]!;
  const sap = manufacturerAt(frame, 2) === 'SAP';
  if (sap && ci >= 0xa0 && ci <= 0xa7) return { id: idFromBytes(frame, 4), version: 0, deviceType: WATER };
  if (!isPriosCi(ci) && !isRealData(frame)) return undefined;
  return { id: idFromBytes(frame, 6), version: frame[4]!, deviceType: frame[5]! };
}

function unscrambleApdu(frame: Uint8Array, apduAt: number, configuration: number, key: Uint8Array | undefined): Uint8Array | undefined {
  if (apduAt !== SCRAMBLED_AT || frame[CI_AT] !== SHORT_TPL) return undefined;
  const expected = (configuration >> 8) & 0xef;
  return unscrambleChecked(
    frame,
    (plain) => {
      let sum = 0;
      for (const b of plain) sum += b;
      return (sum & 0xef) === expected && parseRecords(plain, 0).ok;
    },
    key,
  );
}

export const diehl: MeterFamily = {
  name: 'Diehl',
  matches: (h) => DIEHL.has(h.manufacturer),
  linkAddress,
  unscrambleApdu,
  decodeProprietary: decodePrios,
  examples: [
    ...izarExamples,
    {
      source: 'wmbusmeters drivers/src/sharky.xmq test telegram (GPL-3.0 project, data only)',
      telegram:
        '534424232004256092687A370045752235854DEEEA5939FAD81C25FEEF5A23C38FB9168493C563F08DB10BAF87F660FBA91296BA2397E8F4220B86D3A192FB51E0BFCF24DCE72118E0C75A9E89F43BDFE370824B',
      id: '68926025',
      fields: {
        energy_import_kwh: 2651,
        volume_m3: 150.347,
        volume_tariff2_m3: 0.018,
        flow_temperature_c: 42.3,
        return_temperature_c: 28.1,
        temperature_difference_k: 14.1,
      },
    },
  ],
};
