import { cmac } from './cmac.js';

/** Derivation constants of KDF-A (EN 13757-7 §9.6): which key is derived. */
export const KDF_ENC_FROM_METER = 0x00;
export const KDF_MAC_FROM_METER = 0x01;

/**
 * KDF-A: K = CMAC(master, DC ‖ C ‖ ID ‖ 07×7), one block. `counter` and `id` are the 4 bytes each
 * as on air (message counter LE, meter id BCD LE).
 */
export function kdfA(master: Uint8Array, dc: number, counter: Uint8Array, id: Uint8Array): Uint8Array {
  const input = new Uint8Array(16).fill(0x07);
  input[0] = dc;
  input.set(counter.subarray(0, 4), 1);
  input.set(id.subarray(0, 4), 5);
  return cmac(master, input);
}
