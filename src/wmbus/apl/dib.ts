/**
 * Walking the data information block (DIF + DIFEs) and the value information block (VIF + VIFEs)
 * of one record. Shared by the record parser and the compact-frame rebuilder, which walks the same
 * headers without their data.
 */
import type { Direction, RecordFunction, Unit } from '../types.js';
import {
  COMBINABLE_VIFE, FB_VIF, FC_VIFE, FD_VIF, PRIMARY_VIF, VIF_FB, VIF_FD, VIF_MANUFACTURER, VIF_PLAIN_TEXT,
  type VifInfo,
} from './vif.js';
import { readReversedText } from './datatypes.js';

export const MAX_DIFE = 10;
export const MAX_VIFE = 10;

const FUNCTIONS: readonly RecordFunction[] = ['instantaneous', 'maximum', 'minimum', 'error'];

/** Size in bytes of each data field code; LVAR (0xD) reads its size from the data, 0xF is special. */
export const DATA_SIZE: readonly number[] = [0, 1, 2, 3, 4, 4, 6, 8, 0, 1, 2, 3, 4, -1, 6, -1];
export const DF_LVAR = 0x0d;
export const DF_SPECIAL = 0x0f;

/** Special DIFs (data field 0xF, no extension bit). */
export const DIF_MFCT_DATA = 0x0f;
export const DIF_MFCT_DATA_MORE = 0x1f;
export const DIF_IDLE_FILLER = 0x2f;
export const DIF_GLOBAL_READOUT = 0x7f;

export interface Dib {
  dif: number;
  dataField: number;
  function: RecordFunction;
  storage: number;
  tariff: number;
  subunit: number;
  /** index after the last DIFE */
  end: number;
}

export type WalkError = { code: 'TRUNCATED' | 'MALFORMED'; message: string };

/** Reads DIF and DIFE chain at pos; the DIF must not be one of the special 0xF codes. */
export function readDib(bytes: Uint8Array, pos: number, end: number): Dib | WalkError {
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
    // Each DIFE adds the next higher bits: 4 storage bits, 2 tariff bits, 1 subunit bit.
    storage += (dife & 0x0f) * 2 ** (1 + 4 * n);
    tariff += ((dife >> 4) & 0x03) * 2 ** (2 * n);
    subunit += ((dife >> 6) & 0x01) * 2 ** n;
    ext = dife & 0x80;
  }
  return { dif, dataField: dif & 0x0f, function: FUNCTIONS[(dif >> 4) & 3]!, storage, tariff, subunit, end: i };
}

export interface Vib {
  info: VifInfo;
  /** from combinable VIFEs */
  direction?: Direction;
  phase?: string;
  qualifiers?: string[];
  /** extra decimal exponent from correction-factor VIFEs */
  exp: number;
  /** read integer data as unsigned (combinable extension "data as type C/D") */
  unsigned: boolean;
  /** a VIFE says the data is the date/time of an event rather than the quantity */
  isDate: boolean;
  /** a VIFE says the data is a duration in this unit */
  durationUnit?: Unit;
  /** the data is a compact profile; elements sent newest first (inverse) or oldest first */
  profile?: { newestFirst: boolean };
  /** index after the last VIB byte */
  end: number;
}

function addQualifier(vib: Vib, name: string): void {
  (vib.qualifiers ??= []).push(name);
}

/** Reads VIF, any extension-table code or plain text, and the combinable VIFE chain at pos. */
function vibCut(pos: number): WalkError {
  return { code: 'TRUNCATED', message: `record VIB at byte ${pos} is cut short` };
}

export function readVib(bytes: Uint8Array, pos: number, end: number): Vib | WalkError {
  if (pos >= end) return vibCut(pos);
  const vif = bytes[pos]!;
  const code = vif & 0x7f;
  let i = pos + 1;
  let ext = vif & 0x80;
  let info: VifInfo;
  let plainText: string | undefined;
  if (code === VIF_FB || code === VIF_FD) {
    if (!ext) return { code: 'MALFORMED', message: `VIF 0x${code.toString(16)} at byte ${pos} lacks its extension byte` };
    if (i >= end) return vibCut(pos);
    const x = bytes[i++]!;
    info = (code === VIF_FB ? FB_VIF : FD_VIF)[x & 0x7f]!;
    ext = x & 0x80;
  } else if (code === VIF_PLAIN_TEXT) {
    // The unit text follows the VIF byte directly (as wmbusmeters reads it), before any VIFE.
    if (i >= end) return vibCut(pos);
    const len = bytes[i++]!;
    if (i + len > end) return vibCut(pos);
    plainText = readReversedText(bytes, i, len);
    i += len;
    info = PRIMARY_VIF[VIF_PLAIN_TEXT]!;
  } else {
    info = PRIMARY_VIF[code]!;
  }
  const vib: Vib = { info, exp: 0, unsigned: false, isDate: false, end: i };
  if (plainText !== undefined) addQualifier(vib, plainText);
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
        vib.direction = effect.direction;
        break;
      case 'scale':
        vib.exp += effect.exp;
        break;
      case 'error':
        addQualifier(vib, `error: ${effect.name}`);
        break;
      case 'date':
        vib.isDate = true;
        addQualifier(vib, effect.name);
        break;
      case 'duration':
        vib.durationUnit = effect.unit;
        addQualifier(vib, effect.name);
        break;
      case 'qualifier':
        addQualifier(vib, effect.name);
        break;
      case 'profile':
        vib.profile = { newestFirst: effect.newestFirst };
        break;
      case 'fc': {
        if (!ext) return { code: 'MALFORMED', message: `VIFE 0x7C at byte ${i - 1} lacks its extension byte` };
        if (i >= end) return vibCut(pos);
        const x = bytes[i++]!;
        ext = x & 0x80;
        n++;
        const fc = FC_VIFE[x & 0x7f]!;
        if (fc.kind === 'phase') vib.phase = fc.phase;
        else if (fc.kind === 'unsigned') vib.unsigned = true;
        else addQualifier(vib, fc.name);
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
        addQualifier(vib, codes ? `manufacturer specific ${codes}` : 'manufacturer specific');
        break;
      }
    }
  }
  vib.end = i;
  return vib;
}
