/**
 * Walking the data information block (DIF + DIFEs) and the value information block (VIF + VIFEs)
 * of one record. Shared by the record parser and the compact-frame rebuilder, which walks the same
 * headers without their data.
 */
import type { Direction, RecordFunction, Unit } from '../types.js';
import {
  COMBINABLE_VIFE,
  FB_VIF,
  FC_VIFE,
  FD_VIF,
  PRIMARY_VIF,
  VIF_FB,
  VIF_FD,
  VIF_MANUFACTURER,
  VIF_PLAIN_TEXT,
  type VifInfo,
} from './vif.js';
import { readReversedText } from './datatypes.js';

export const MAX_DIFE = 10;
export const MAX_VIFE = 10;

const FUNCTIONS: readonly RecordFunction[] = ['instantaneous', 'maximum', 'minimum', 'error'];

/**
 * Weight of the bits DIFE number n adds: 4 storage bits from bit 1 + 4n, 2 tariff bits from bit
 * 2n, 1 subunit bit at bit n. Storage numbers outgrow 32 bits, so these are multipliers, not shifts.
 */
const STORAGE_WEIGHT: readonly number[] = Array.from({ length: MAX_DIFE }, (_, n) => 2 ** (1 + 4 * n));
const TARIFF_WEIGHT: readonly number[] = Array.from({ length: MAX_DIFE }, (_, n) => 2 ** (2 * n));
const SUBUNIT_WEIGHT: readonly number[] = Array.from({ length: MAX_DIFE }, (_, n) => 2 ** n);

/** Size in bytes of each data field code; LVAR (0xD) reads its size from the data, 0xF is special. */
export const DATA_SIZE: readonly number[] = [0, 1, 2, 3, 4, 4, 6, 8, 0, 1, 2, 3, 4, -1, 6, -1];
export const DF_LVAR = 0x0d;
export const DF_SPECIAL = 0x0f;

/** Special DIFs (data field 0xF, no extension bit). */
export const DIF_MFCT_DATA = 0x0f;
export const DIF_MFCT_DATA_MORE = 0x1f;
export const DIF_IDLE_FILLER = 0x2f;
export const DIF_GLOBAL_READOUT = 0x7f;

/** Compact profile kinds of RecordHeader.profile. */
export const PROFILE_NONE = 0;
export const PROFILE_NEWEST_FIRST = 1;
export const PROFILE_OLDEST_FIRST = 2;

/**
 * The DIB and VIB of one record as the walk reads them. A parse fills one of these for every
 * record in turn instead of allocating header objects per record; only `qualifiers` is handed on
 * (it becomes the record's own array), so every readVib starts a fresh one when it needs one.
 */
export class RecordHeader {
  dif = 0;
  dataField = 0;
  function: RecordFunction = 'instantaneous';
  storage = 0;
  tariff = 0;
  subunit = 0;
  /** index after the last DIFE */
  dibEnd = 0;
  info: VifInfo = PRIMARY_VIF[0]!;
  /** from combinable VIFEs */
  direction: Direction | undefined = undefined;
  phase: string | undefined = undefined;
  qualifiers: string[] | undefined = undefined;
  /** extra decimal exponent from correction-factor VIFEs */
  exp = 0;
  /** read integer data as unsigned (combinable extension "data as type C/D") */
  unsigned = false;
  /** a VIFE says the data is the date/time of an event rather than the quantity */
  isDate = false;
  /** a VIFE says the data is a duration in this unit */
  durationUnit: Unit | undefined = undefined;
  /** the data is a compact profile (PROFILE_*), elements sent newest or oldest first */
  profile = PROFILE_NONE;
  /** index after the last VIB byte */
  vibEnd = 0;
}

export type WalkError = { code: 'TRUNCATED' | 'MALFORMED'; message: string };

/**
 * Reads DIF and DIFE chain at pos into `h` (the DIF must not be one of the special 0xF codes).
 * Undefined when it is whole.
 */
export function readDib(bytes: Uint8Array, pos: number, end: number, h: RecordHeader): WalkError | undefined {
  const dif = bytes[pos]!;
  let storage = (dif >> 6) & 1;
  let tariff = 0;
  let subunit = 0;
  let i = pos + 1;
  let ext = dif & 0x80;
  for (let n = 0; ext; n++) {
    if (n === MAX_DIFE) return { code: 'MALFORMED', message: `record at byte ${pos} has more than ${MAX_DIFE} DIFEs` };
    if (i >= end) return { code: 'TRUNCATED', message: `record at byte ${pos} ends inside its DIFE chain` };
    const dife = bytes[i++]!;
    storage += (dife & 0x0f) * STORAGE_WEIGHT[n]!;
    tariff += ((dife >> 4) & 0x03) * TARIFF_WEIGHT[n]!;
    subunit += ((dife >> 6) & 0x01) * SUBUNIT_WEIGHT[n]!;
    ext = dife & 0x80;
  }
  h.dif = dif;
  h.dataField = dif & 0x0f;
  h.function = FUNCTIONS[(dif >> 4) & 3]!;
  h.storage = storage;
  h.tariff = tariff;
  h.subunit = subunit;
  h.dibEnd = i;
  return undefined;
}

function addQualifier(h: RecordHeader, name: string): void {
  (h.qualifiers ??= []).push(name);
}

function vibCut(pos: number): WalkError {
  return { code: 'TRUNCATED', message: `record VIB at byte ${pos} is cut short` };
}

/**
 * Reads VIF, any extension-table code or plain text, and the combinable VIFE chain at pos into
 * `h`. Undefined when it is whole.
 */
export function readVib(bytes: Uint8Array, pos: number, end: number, h: RecordHeader): WalkError | undefined {
  if (pos >= end) return vibCut(pos);
  const vif = bytes[pos]!;
  const code = vif & 0x7f;
  let i = pos + 1;
  let ext = vif & 0x80;
  h.direction = undefined;
  h.phase = undefined;
  h.qualifiers = undefined;
  h.exp = 0;
  h.unsigned = false;
  h.isDate = false;
  h.durationUnit = undefined;
  h.profile = PROFILE_NONE;
  if (code === VIF_FB || code === VIF_FD) {
    if (!ext) return { code: 'MALFORMED', message: `VIF 0x${code.toString(16)} at byte ${pos} lacks its extension byte` };
    if (i >= end) return vibCut(pos);
    const x = bytes[i++]!;
    h.info = (code === VIF_FB ? FB_VIF : FD_VIF)[x & 0x7f]!;
    ext = x & 0x80;
  } else if (code === VIF_PLAIN_TEXT) {
    // The unit text follows the VIF byte directly (as wmbusmeters reads it), before any VIFE.
    if (i >= end) return vibCut(pos);
    const len = bytes[i++]!;
    if (i + len > end) return vibCut(pos);
    addQualifier(h, readReversedText(bytes, i, len));
    i += len;
    h.info = PRIMARY_VIF[VIF_PLAIN_TEXT]!;
  } else {
    h.info = PRIMARY_VIF[code]!;
  }
  const mfctVif = code === VIF_MANUFACTURER;
  for (let n = 0; ext; n++) {
    if (n === MAX_VIFE) return { code: 'MALFORMED', message: `record VIB at byte ${pos} has more than ${MAX_VIFE} VIFEs` };
    if (i >= end) return vibCut(pos);
    const vife = bytes[i++]!;
    ext = vife & 0x80;
    if (mfctVif) continue; // everything after a manufacturer VIF is the manufacturer's
    const effect = COMBINABLE_VIFE[vife & 0x7f]!;
    switch (effect.kind) {
      case 'direction':
        h.direction = effect.direction;
        break;
      case 'scale':
        h.exp += effect.exp;
        break;
      case 'error':
        addQualifier(h, effect.qualifier);
        break;
      case 'date':
        h.isDate = true;
        addQualifier(h, effect.name);
        break;
      case 'duration':
        h.durationUnit = effect.unit;
        addQualifier(h, effect.name);
        break;
      case 'qualifier':
        addQualifier(h, effect.name);
        break;
      case 'profile':
        h.profile = effect.newestFirst ? PROFILE_NEWEST_FIRST : PROFILE_OLDEST_FIRST;
        break;
      case 'fc': {
        if (!ext) return { code: 'MALFORMED', message: `VIFE 0x7C at byte ${i - 1} lacks its extension byte` };
        if (i >= end) return vibCut(pos);
        const x = bytes[i++]!;
        ext = x & 0x80;
        n++;
        const fc = FC_VIFE[x & 0x7f]!;
        if (fc.kind === 'phase') h.phase = fc.phase;
        else if (fc.kind === 'unsigned') h.unsigned = true;
        else addQualifier(h, fc.name);
        break;
      }
      case 'mfct': {
        // The rest of the chain is manufacturer specific: keep it as one named qualifier.
        let codes = '';
        while (ext) {
          if (i >= end) return vibCut(pos);
          const b = bytes[i++]!;
          ext = b & 0x80;
          codes += (b & 0x7f).toString(16).padStart(2, '0');
        }
        addQualifier(h, codes ? `manufacturer specific ${codes}` : 'manufacturer specific');
        break;
      }
    }
  }
  h.vibEnd = i;
  return undefined;
}
