/**
 * Private byte arrays for the decoder's own copies. They come from Node's Buffer pool: a small
 * typed array of its own gets memory outside the JS heap, which costs more than decoding a whole
 * record, while the pool hands out slices of a shared slab. Each is viewed as a plain Uint8Array,
 * so slice() and subarray() keep their meaning (a Buffer's slice() would be a view).
 */

/** `length` bytes of undefined content: for a caller that writes every byte before reading any. */
export function uninitialisedBytes(length: number): Uint8Array {
  const pooled = Buffer.allocUnsafe(length);
  return new Uint8Array(pooled.buffer, pooled.byteOffset, length);
}

/** A private copy of `bytes`. */
export function copyOf(bytes: Uint8Array): Uint8Array {
  const copy = uninitialisedBytes(bytes.length);
  copy.set(bytes);
  return copy;
}
