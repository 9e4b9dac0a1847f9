import { existsSync } from 'node:fs';
import { DEFAULT_SPI_SPEED_HZ, MAX_SPI_SPEED_HZ, type SpiAddress, type SpiBus, type SpiTransfer, spidevPath } from './bus.js';

/** The parts of the optional `spi-device` addon this binding uses. */
interface SpiDeviceModule {
  openSync(bus: number, device: number, options?: { mode?: number; maxSpeedHz?: number }): SpiDeviceHandle;
}
interface SpiDeviceHandle {
  transferSync(message: SpiDeviceTransfer[]): unknown;
  closeSync(): void;
}
interface SpiDeviceTransfer {
  byteLength: number;
  sendBuffer: Buffer;
  receiveBuffer: Buffer;
  speedHz: number;
  chipSelectChange: boolean;
}

export class SpiUnavailableError extends Error {
  override name = 'SpiUnavailableError';
}

async function loadSpiDevice(): Promise<SpiDeviceModule> {
  try {
    const mod = (await import('spi-device')) as unknown as SpiDeviceModule & { default?: SpiDeviceModule };
    return typeof mod.openSync === 'function' ? mod : mod.default!;
  } catch (err) {
    throw new SpiUnavailableError(
      'the optional dependency spi-device is not installed or did not build ' +
        `(${(err as Error).message.split('\n')[0]}): on the Pi run \`npm rebuild spi-device\` in the gateway's folder ` +
        '(after a Node.js upgrade too; `npm install spi-device` if it is missing; both need python3, make and g++)',
    );
  }
}

/**
 * SpiBus over spidev. Message arrays are converted once per distinct message array and then
 * reused, so the drain loop's prebuilt messages cause no allocation per transfer.
 */
class SpidevBus implements SpiBus {
  readonly #converted = new WeakMap<readonly SpiTransfer[], SpiDeviceTransfer[]>();

  readonly #handle: SpiDeviceHandle;
  readonly #speedHz: number;
  constructor(
    readonly device: string,
    handle: SpiDeviceHandle,
    speedHz: number,
  ) {
    this.#handle = handle;
    this.#speedHz = speedHz;
  }

  transfer(message: readonly SpiTransfer[]): void {
    let native = this.#converted.get(message);
    if (!native) {
      native = message.map((t) => ({
        byteLength: t.length,
        sendBuffer: Buffer.from(t.tx.buffer, t.tx.byteOffset, t.tx.byteLength),
        receiveBuffer: Buffer.from(t.rx.buffer, t.rx.byteOffset, t.rx.byteLength),
        speedHz: this.#speedHz,
        chipSelectChange: t.csChange === true,
      }));
      this.#converted.set(message, native);
    }
    for (let i = 0; i < message.length; i++) native[i]!.byteLength = message[i]!.length;
    this.#handle.transferSync(native);
  }

  close(): void {
    this.#handle.closeSync();
  }
}

export async function openSpidev(address: SpiAddress): Promise<SpiBus> {
  const path = spidevPath(address);
  const speedHz = Math.min(address.speedHz ?? DEFAULT_SPI_SPEED_HZ, MAX_SPI_SPEED_HZ);
  if (!existsSync(path)) {
    throw new SpiUnavailableError(
      `${path} does not exist: enable SPI (dtparam=spi=on in config.txt, or raspi-config > Interface Options > SPI) ` +
        'and check the spi bus/device settings',
    );
  }
  const mod = await loadSpiDevice();
  let handle: SpiDeviceHandle;
  try {
    handle = mod.openSync(address.bus, address.device, { mode: 0, maxSpeedHz: speedHz });
  } catch (err) {
    throw new SpiUnavailableError(`cannot open ${path}: ${(err as Error).message} (is the user in the spi group?)`);
  }
  return new SpidevBus(path, handle, speedHz);
}
