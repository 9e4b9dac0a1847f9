import { FieldNames } from './fields.js';

/**
 * Compact-frame formats learned from full frames (EN 13757-3 Annex G). A compact frame carries
 * only a format signature; the DIF/VIF bytes that give its data meaning come from an earlier full
 * or format frame of the same meter. The caller owns one memory per run (or per gateway); it also
 * keeps the run's field names, which repeat from telegram to telegram like the formats.
 */
export class FormatMemory {
  private readonly formats = new Map<string, Uint8Array>();
  readonly fieldNames = new FieldNames();

  /** `capacity` bounds memory against a neighbourhood full of meters; the first learned goes first. */
  constructor(readonly capacity = 4096) {}

  learn(meter: string, signature: number, dibVib: Uint8Array): void {
    const key = `${meter}/${signature}`;
    // A meter repeats its format in every full frame; the signature already names the bytes.
    if (this.formats.has(key)) return;
    this.formats.set(key, dibVib);
    if (this.formats.size > this.capacity) {
      const oldest = this.formats.keys().next().value;
      if (oldest !== undefined) this.formats.delete(oldest);
    }
  }

  lookup(meter: string, signature: number): Uint8Array | undefined {
    return this.formats.get(`${meter}/${signature}`);
  }

  get size(): number {
    return this.formats.size;
  }
}

/** The identity a learned format belongs to: the same meter and firmware send the same layout. */
export function meterKey(manufacturer: string, id: string, version: number, deviceType: number): string {
  return `${manufacturer}${id}.${version}.${deviceType}`;
}
