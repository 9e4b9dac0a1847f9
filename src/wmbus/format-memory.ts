import { formatSignature } from './apl/compact.js';
import { FieldNames } from './fields.js';

/**
 * Compact-frame formats learned from full frames (EN 13757-3 Annex G). A compact frame carries
 * only a format signature; the DIF/VIF bytes that give its data meaning come from an earlier full
 * or format frame of the same meter. The caller owns one memory per run (or per gateway); it also
 * keeps the run's field names, which repeat from telegram to telegram like the formats.
 */
export class FormatMemory {
  readonly #formats = new Map<string, Uint8Array>();
  /**
   * The record headers of each meter's latest full frame and where they are stored: a meter sends
   * the same layout again and again, and comparing bytes is cheaper than their CRC.
   */
  readonly #latest = new Map<string, { dibVib: Uint8Array; key: string }>();
  readonly fieldNames = new FieldNames();

  /** `capacity` bounds memory against a neighbourhood full of meters; the first learned goes first. */
  constructor(readonly capacity = 4096) {}

  learn(meter: string, signature: number, dibVib: Uint8Array): void {
    this.#learnUnder(`${meter}/${signature}`, dibVib);
  }

  /** Learns the format of the records of a meter's full frame (their signature is their CRC). */
  learnFull(meter: string, dibVib: Uint8Array): void {
    const latest = this.#latest.get(meter);
    if (latest && this.#formats.has(latest.key) && sameBytes(latest.dibVib, dibVib)) return;
    const key = `${meter}/${formatSignature(dibVib)}`;
    this.#learnUnder(key, dibVib);
    const stored = this.#formats.get(key);
    if (!stored) return;
    this.#latest.set(meter, { dibVib: stored, key });
    dropOldest(this.#latest, this.capacity);
  }

  #learnUnder(key: string, dibVib: Uint8Array): void {
    // A meter repeats its format in every full frame; the signature already names the bytes.
    if (this.#formats.has(key)) return;
    this.#formats.set(key, dibVib);
    dropOldest(this.#formats, this.capacity);
  }

  lookup(meter: string, signature: number): Uint8Array | undefined {
    return this.#formats.get(`${meter}/${signature}`);
  }

  get size(): number {
    return this.#formats.size;
  }
}

function dropOldest(map: Map<string, unknown>, capacity: number): void {
  if (map.size <= capacity) return;
  const oldest = map.keys().next().value;
  if (oldest !== undefined) map.delete(oldest);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The identity a learned format belongs to: the same meter and firmware send the same layout. */
export function meterKey(manufacturer: string, id: string, version: number, deviceType: number): string {
  return `${manufacturer}${id}.${version}.${deviceType}`;
}
