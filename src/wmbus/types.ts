/**
 * The decoder's public shapes. Everything downstream (gateway, store, web, MQTT) reads these;
 * add fields freely, rename none.
 */

export type ErrorCode =
  | 'WRONG_KEY' // decrypted content fails its check (2F2F, ELL payload CRC)
  | 'NO_KEY' // the telegram is encrypted and no key was given for its meter
  | 'MAC_MISMATCH' // AFL MAC does not match
  | 'CRC' // a DLL block CRC, wired checksum or ELL payload CRC (unencrypted) is wrong
  | 'TRUNCATED' // the bytes end before a field the headers announce
  | 'MALFORMED' // a field holds a value the standard does not allow
  | 'NOT_ENCRYPTED' // header announces encryption, payload arrives in clear while a key is configured
  | 'UNSUPPORTED_SECURITY' // a security mode this decoder does not implement
  | 'UNSUPPORTED_CI' // a CI field this decoder does not implement
  | 'UNKNOWN_FORMAT'; // compact frame whose format signature was not learned yet

export interface DecodeErrorInfo {
  code: ErrorCode;
  /** A sentence a user can act on, e.g. "no key for meter 30434741: add it on the Meters page or in keys.json". */
  message: string;
  /** Header facts known when the error happened, so a gateway can list the meter anyway. */
  id?: string;
  manufacturer?: string;
  deviceType?: number;
  medium?: string;
}

export type Direction = 'import' | 'export';
export type RecordFunction = 'instantaneous' | 'maximum' | 'minimum' | 'error';

/** Units of normalised records; "" for counts, dates, text. */
export type Unit =
  | 'Wh'
  | 'kWh'
  | 'MWh'
  | 'J'
  | 'kJ'
  | 'MJ'
  | 'GJ'
  | 'W'
  | 'kW'
  | 'MW'
  | 'var'
  | 'kvar'
  | 'VA'
  | 'kVA'
  | 'varh'
  | 'kvarh'
  | 'VAh'
  | 'kVAh'
  | 'V'
  | 'A'
  | 'm3'
  | 'l'
  | 'm3/h'
  | 'l/h'
  | 'kg'
  | 'kg/h'
  | 'C'
  | 'K'
  | 'bar'
  | 's'
  | 'min'
  | 'h'
  | 'd'
  | 'y'
  | '%'
  | 'Hz'
  | '';

/** One application-layer data record, normalised. */
export interface MbusRecord {
  /** e.g. energy, volume, power, voltage, datetime, date, fabrication_number, error_flags, manufacturer_specific */
  quantity: string;
  unit: Unit;
  /** number for numeric data; ISO 8601 local string for dates; string for text/BCD identifiers; null when invalid */
  value: number | string | null;
  function: RecordFunction;
  storage: number;
  tariff: number;
  subunit: number;
  direction?: Direction;
  /** L1, L2, L3, N, L1-L2, ... from the combinable extension VIFE 0xFC */
  phase?: string;
  /** names of the other combinable VIFEs that apply, e.g. "per hour", "upper limit" */
  qualifiers?: string[];
  /** raw DIF+DIFEs and VIF+VIFEs as hex */
  dif: string;
  vif: string;
  /** raw data bytes as hex */
  data: string;
}

export interface SecurityInfo {
  /** TPL security mode (0 none, 5 AES-CBC-IV, 7 AES-CBC + KDF); for ELL-only encryption see `ell` */
  mode: number;
  /** true when any layer carried ciphertext that was decrypted */
  decrypted: boolean;
  /** ELL AES-CTR was used */
  ell?: boolean;
  /** encrypted 16-byte blocks (mode 5/7) */
  blocks?: number;
  /** AFL message counter (mode 7) */
  counter?: number;
  /** AFL MAC verified */
  macVerified?: boolean;
}

/** Bytes of a telegram that did not parse strictly as records: kept as hex, none of their values read. */
export interface UnparsedRegion {
  /** why the records did not parse, e.g. "application layer: record at byte 12 announces more data than the payload holds" */
  reason: string;
  hex: string;
}

export interface DecodedTelegram {
  /** 8-digit meter id (TPL long header id when present, else DLL id) */
  id: string;
  manufacturer: string;
  version: number;
  deviceType: number;
  medium: string;
  link: {
    kind: 'wmbus' | 'wired';
    c: number;
    /** DLL address (may differ from id when a long TPL header names the real meter) */
    dllId: string;
    dllManufacturer: string;
  };
  /** TPL access number, for duplicate detection */
  accessNumber?: number;
  status?: number;
  security: SecurityInfo;
  records: MbusRecord[];
  /** set when (part of) the APDU was not standard records and no meter family read it */
  unparsed?: UnparsedRegion;
  /** friendly, driver-less names: energy_import_kwh, power_export_w, voltage_l1_v, volume_m3, ... */
  fields: Record<string, number | string>;
}

export type DecodeResult = { ok: true; telegram: DecodedTelegram } | { ok: false; error: DecodeErrorInfo };

/** Where the decoder finds AES keys: a map by 8-digit id, or one key for every meter. */
export type KeyLookup = (id: string, manufacturer: string) => Uint8Array | undefined;
