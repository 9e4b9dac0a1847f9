/** Initialisation vectors of the wM-Bus security layers, built into fresh 16-byte blocks. */

/**
 * TPL mode 5 (OMS profile A): M(2) ‖ ID(4) ‖ version ‖ device type, all as on air, then ACC × 8.
 * `m`/`id` point into the header that names the meter (DLL for a short TPL, TPL for a long one).
 */
export function mode5Iv(header: Uint8Array, mAt: number, idAt: number, version: number, deviceType: number, acc: number): Uint8Array {
  const iv = new Uint8Array(16);
  iv[0] = header[mAt]!;
  iv[1] = header[mAt + 1]!;
  for (let i = 0; i < 4; i++) iv[2 + i] = header[idAt + i]!;
  iv[6] = version;
  iv[7] = deviceType;
  iv.fill(acc, 8);
  return iv;
}

/**
 * ELL AES-CTR initial counter block: M(2) ‖ A(6) from the DLL ‖ CC without its hop (H) and
 * repeated-access (R) bits, since a repeater may set those after encryption ‖ SN(4) ‖ FN 00 00 ‖ BC 00.
 */
export function ellIcb(dll: Uint8Array, dllMAt: number, cc: number, sn: Uint8Array, snAt: number): Uint8Array {
  const icb = new Uint8Array(16);
  for (let i = 0; i < 8; i++) icb[i] = dll[dllMAt + i]!;
  icb[8] = cc & ~0x12;
  for (let i = 0; i < 4; i++) icb[9 + i] = sn[snAt + i]!;
  return icb;
}
