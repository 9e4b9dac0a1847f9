/**
 * The SPI binding the CC1101 driver talks to (the node-serialport split: a small binding
 * interface, a real implementation over spidev and a simulated one).
 *
 * Semantics follow Linux spidev's SPI_IOC_MESSAGE: one `transfer` call is one ioctl; chip select
 * stays asserted from one SpiTransfer to the next unless `csChange` is set, and is released at
 * the end of the message. Transfers are synchronous because the drain loop must not yield.
 */
export interface SpiTransfer {
  /** bytes clocked out; at least `length` long */
  tx: Uint8Array;
  /** bytes clocked in; at least `length` long */
  rx: Uint8Array;
  /** bytes to clock; may be shorter than the buffers so callers can reuse them */
  length: number;
  /** release chip select after this transfer (before the next one in the same message) */
  csChange?: boolean;
}

export interface SpiBus {
  /** e.g. "/dev/spidev0.0": used in messages a user reads */
  readonly device: string;
  transfer(message: readonly SpiTransfer[]): void;
  close(): void;
}

export interface SpiAddress {
  bus: number;
  device: number;
  /** clock; the CC1101 allows at most 6.5 MHz for burst access without gaps between bytes */
  speedHz?: number;
}

export const DEFAULT_SPI_SPEED_HZ = 5_000_000;
/** /dev/spidev0.0: SPI0 with CE0, where CC1101 hats put the chip */
export const DEFAULT_SPI_ADDRESS: SpiAddress = { bus: 0, device: 0 };
export const MAX_SPI_SPEED_HZ = 6_500_000;

export function spidevPath(address: SpiAddress): string {
  return `/dev/spidev${address.bus}.${address.device}`;
}
