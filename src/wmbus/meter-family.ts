/**
 * How meter families plug into the decoder. The decode core reads the standard (EN 13757-3/-7,
 * OMS) and knows no meter by name; a family that bends the standard or sends a proprietary
 * payload brings its own knowledge through this interface, and the caller passes the set it wants
 * (DecodeOptions.meters). Without a set the decoder reads every telegram as the standard says.
 */
import { crc16En13757 } from './crc.js';
import type { MbusRecord } from './types.js';

export interface MeterHeader {
  manufacturer: string;
  version: number;
  deviceType: number;
}

export interface MeterAddress {
  id: string;
  version: number;
  deviceType: number;
}

/** Where a proprietary payload came from: a CI of its own, or manufacturer data inside the records. */
export interface ProprietaryPayload {
  header: MeterHeader;
  /** the CI field when the whole APDU is manufacturer specific (e.g. 0xA0..0xA2), else undefined */
  ci?: number;
  /** the 8-digit meter id (a key for a scrambled payload may be derived from it) */
  id: string;
  /** the payload: APDU after the CI, or the bytes after DIF 0F/1F */
  data: Uint8Array;
  /** the whole telegram from its L-field, for layouts that reach back into the headers */
  telegram: Uint8Array;
  /** standard records read before the manufacturer data (empty for a CI payload) */
  records: readonly MbusRecord[];
  /** the key configured for the meter, for a payload the manufacturer encrypts its own way */
  key?: Uint8Array;
}

/**
 * A real telegram of the family with what it must decode to, carried by the family so that its
 * knowledge and its evidence stay together (test/meters runs every family's examples).
 */
export interface MeterExample {
  /** where the telegram was published */
  source: string;
  /** hex from the L-field, without DLL CRCs */
  telegram: string;
  /** AES key, hex */
  key?: string;
  /** the meter id the decode must give, where the family reads it from a header of its own order */
  id?: string;
  /** fields the decode must contain (a subset of what it gives) */
  fields: Readonly<Record<string, number | string>>;
}

export interface MeterFamily {
  /** meter family, for logs, tests and the model name Home Assistant shows */
  name: string;
  matches(header: MeterHeader): boolean;
  /**
   * The record as the standard would have sent it, for meters that bend the standard (subunits
   * used for another quantity, standard quantities behind manufacturer VIFs). Must not mutate.
   */
  normalise?(record: MbusRecord): MbusRecord;
  /**
   * The records a standard-framed record of the manufacturer's own stands for (e.g. an LVAR block
   * behind a manufacturer VIF), or undefined to keep it as it is. Must not mutate.
   */
  expand?(record: MbusRecord): MbusRecord[] | undefined;
  /** A friendlier field name for a record, without its unit suffix; undefined keeps the generic one. */
  fieldName?(record: MbusRecord): string | undefined;
  /**
   * Record formats (DIF/VIF bytes) the family uses in compact frames without ever sending the full
   * frame that would teach them. Keyed by nothing but their own CRC, so they are safe for any meter.
   */
  compactFormats?: readonly Uint8Array[];
  /**
   * Records from a proprietary payload, or undefined when the payload does not parse strictly by
   * the family's layout (the decoder then keeps it as manufacturer data, never half-read).
   */
  decodeProprietary?(payload: ProprietaryPayload): MbusRecord[] | undefined;
  /**
   * The meter's identity when its link header does not follow the standard order (EN 13757-4
   * puts the serial number before version and device type; some Diehl meters send them first).
   * Gets the frame from L; undefined keeps the header as read.
   */
  linkAddress?(frame: Uint8Array): MeterAddress | undefined;
  /**
   * The APDU in clear for a TPL security mode the standard leaves to manufacturers (16..31,
   * EN 13757-7 table 19), or undefined when the family cannot read it strictly. Gets the frame
   * from L, where the APDU starts in it, the TPL configuration word and the key configured for
   * the meter (a key replaces any default the manufacturer uses, so a wrong one refuses).
   */
  unscrambleApdu?(frame: Uint8Array, apduAt: number, configuration: number, key: Uint8Array | undefined): Uint8Array | undefined;
  /** telegrams that show what the family adds */
  examples?: readonly MeterExample[];
}

/** A fixed set of families, looked up by header; built once and passed to every decode. */
export class MeterFamilySet {
  readonly #families: readonly MeterFamily[];
  readonly #formats: ReadonlyMap<number, Uint8Array>;

  constructor(families: readonly MeterFamily[]) {
    this.#families = families;
    const formats = new Map<number, Uint8Array>();
    for (const f of families) for (const format of f.compactFormats ?? []) formats.set(crc16En13757(format), format);
    this.#formats = formats;
  }

  get families(): readonly MeterFamily[] {
    return this.#families;
  }

  familyFor(header: MeterHeader): MeterFamily | undefined {
    for (const f of this.#families) if (f.matches(header)) return f;
    return undefined;
  }

  /**
   * A compact-frame format known in advance (signature = CRC of the format bytes), for a compact
   * frame whose meter never sent the full frame. The full-frame CRC inside the compact frame still
   * guards against a wrong guess.
   */
  compactFormat(signature: number): Uint8Array | undefined {
    return this.#formats.get(signature);
  }
}

/** Records of a telegram with its family's expansion and normalisation applied (the same array when there is none). */
export function normaliseRecords(records: MbusRecord[], family: MeterFamily | undefined): MbusRecord[] {
  const expand = family?.expand;
  const expanded = expand ? records.flatMap((r) => expand(r) ?? [r]) : records;
  const normalise = family?.normalise;
  return normalise ? expanded.map(normalise) : expanded;
}
