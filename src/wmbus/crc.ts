/**
 * CRC-16 of EN 13757 (poly 0x3D65, init 0, MSB first, final XOR 0xFFFF).
 * One table built at load time; the per-byte step is a lookup, so block checks cost no allocation.
 */
const TABLE = new Uint16Array(256);
for (let i = 0; i < 256; i++) {
  let crc = i << 8;
  for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x3d65) & 0xffff : (crc << 1) & 0xffff;
  TABLE[i] = crc;
}

/** CRC over bytes[start, end). */
export function crc16En13757(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let crc = 0;
  for (let i = start; i < end; i++) crc = ((crc << 8) & 0xffff) ^ TABLE[((crc >> 8) ^ bytes[i]!) & 0xff]!;
  return crc ^ 0xffff;
}
