import aesCmac from '@nikeee/aes-cmac';

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** AES-128-CMAC (RFC 4493) of message under key: 16 bytes. */
export function cmac(key: Uint8Array, message: Uint8Array): Uint8Array {
  return aesCmac(asBuffer(key), asBuffer(message));
}
