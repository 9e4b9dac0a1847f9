/**
 * Kamstrup (KAM) meters send mostly compact frames (CI 0x79) and a full frame only rarely, so a
 * gateway that just started would wait long for the format. These are the record formats of
 * their public telegrams (format bytes only; the data still comes from the meter).
 */
import type { MeterFamily } from '../wmbus/meter-family.js';

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'hex'));

export const kamstrupCompact: MeterFamily = {
  name: 'Kamstrup compact frames',
  matches: (h) => h.manufacturer === 'KAM',
  compactFormats: [
    // multical21 / flowIQ water: status, volume, target volume, min flow temp, min external temp
    // (full frame in wmbusmeters simulations/serial_aes.msg)
    hex('02FF2004134413615B6167'),
    // omnipower electricity: energy A+, energy A-, power P+, power P- (Kamstrup, exmbus tests)
    hex('040404843C042B04AB3C'),
  ],
};
