export function encodeRecord(r: { dif: string; vif: string; value: number | string | bigint }): Uint8Array {
  void r;
  return new Uint8Array(0);
}
