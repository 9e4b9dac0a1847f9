import { type Clock, realClock } from '../clock.js';
import type { SpiBus, SpiTransfer } from '../spi/bus.js';
import {
  BURST, CONFIG_REGISTERS, FIFO, FIFO_SIZE, KNOWN_VERSIONS, MARC, PARTNUM_CC1101, READ, REG, type RadioProfile,
  STATUS, STROBE, freqOffsetHz, rssiDbm,
} from './registers.js';

export class ChipError extends Error {
  override name = 'ChipError';
}

export interface ChipIdentity {
  partnum: number;
  version: number;
}

/** Signal quality of the packet being received, frozen at sync by the chip. */
export interface SignalReading {
  rssi: number;
  lqi: number;
  freqOffsetHz: number;
}

function transfer(length: number, csChange = false): SpiTransfer {
  return { tx: new Uint8Array(length), rx: new Uint8Array(length), length, csChange };
}

/**
 * Register-level access to one CC1101. Every message used on the hot path is built once, so a
 * drain cycle allocates nothing; each CC1101 access is one chip-select run (CS high ends a burst).
 */
export class Cc1101 {
  private readonly single = [transfer(2)];
  private readonly strobeMsg = [transfer(1)];
  /** RXBYTES twice in one ioctl with CS toggled between: the errata's "read until two agree" */
  private readonly rxBytesTwice = [transfer(2, true), transfer(2)];
  private readonly signalMsg = [transfer(2, true), transfer(2, true), transfer(2)];
  private readonly fifoMsg = [transfer(FIFO_SIZE + 1)];
  private readonly burstWrite = [transfer(CONFIG_REGISTERS + 1)];
  private readonly burstRead = [transfer(CONFIG_REGISTERS + 1)];
  readonly signal: SignalReading = { rssi: 0, lqi: 0, freqOffsetHz: 0 };

  constructor(
    readonly bus: SpiBus,
    private readonly clock: Clock = realClock,
  ) {
    this.rxBytesTwice[0]!.tx[0] = READ | BURST | STATUS.RXBYTES;
    this.rxBytesTwice[1]!.tx[0] = READ | BURST | STATUS.RXBYTES;
    this.signalMsg[0]!.tx[0] = READ | BURST | STATUS.RSSI;
    this.signalMsg[1]!.tx[0] = READ | BURST | STATUS.LQI;
    this.signalMsg[2]!.tx[0] = READ | BURST | STATUS.FREQEST;
    this.fifoMsg[0]!.tx[0] = READ | BURST | FIFO;
    this.burstWrite[0]!.tx[0] = BURST | 0x00;
    this.burstRead[0]!.tx[0] = READ | BURST | 0x00;
  }

  /** Sends a command strobe; returns the chip status byte. */
  strobe(command: number): number {
    const t = this.strobeMsg[0]!;
    t.tx[0] = command;
    this.bus.transfer(this.strobeMsg);
    return t.rx[0]!;
  }

  readStatus(address: number): number {
    return this.access(READ | BURST | address, 0);
  }

  readRegister(address: number): number {
    return this.access(READ | address, 0);
  }

  writeRegister(address: number, value: number): void {
    this.access(address, value);
  }

  private access(header: number, data: number): number {
    const t = this.single[0]!;
    t.tx[0] = header;
    t.tx[1] = data;
    this.bus.transfer(this.single);
    return t.rx[1]!;
  }

  /** SRES, then the wait for the crystal that spidev cannot see on SO. */
  reset(): void {
    this.strobe(STROBE.SRES);
    this.clock.sleep(5);
  }

  /** PARTNUM/VERSION check; the error says what a user should look at. */
  identify(): ChipIdentity {
    const partnum = this.readStatus(STATUS.PARTNUM);
    const version = this.readStatus(STATUS.VERSION);
    if (partnum !== PARTNUM_CC1101 || !KNOWN_VERSIONS.includes(version)) {
      const hex = (v: number) => `0x${v.toString(16).padStart(2, '0')}`;
      const seen = partnum === version && (partnum === 0x00 || partnum === 0xff)
        ? `every read gave ${hex(partnum)}`
        : `PARTNUM ${hex(partnum)}, VERSION ${hex(version)}`;
      throw new ChipError(
        `no CC1101 answered on ${this.bus.device}: check wiring and that SPI is enabled (${seen}; expected PARTNUM 0x00, VERSION 0x14 or 0x04)`,
      );
    }
    return { partnum, version };
  }

  /** Writes the whole profile in one burst and reads it back: a half-connected MOSI shows here. */
  configure(profile: RadioProfile, fsctrl0 = profile.registers[REG.FSCTRL0]!): void {
    const tx = this.burstWrite[0]!.tx;
    tx.set(profile.registers, 1);
    tx[1 + REG.FSCTRL0] = fsctrl0 & 0xff;
    this.bus.transfer(this.burstWrite);
    this.bus.transfer(this.burstRead);
    const back = this.burstRead[0]!.rx;
    for (let a = 0; a < CONFIG_REGISTERS; a++) {
      if (back[a + 1] !== tx[a + 1]) {
        throw new ChipError(
          `CC1101 on ${this.bus.device} did not keep register 0x${a.toString(16)} (wrote 0x${tx[a + 1]!.toString(16)}, read 0x${back[a + 1]!.toString(16)}): check the MOSI wire and the SPI clock`,
        );
      }
    }
  }

  /** RXBYTES read until two reads in one message agree (datasheet errata §20). */
  rxBytes(): number {
    const a = this.rxBytesTwice[0]!.rx;
    const b = this.rxBytesTwice[1]!.rx;
    for (let tries = 0; tries < 8; tries++) {
      this.bus.transfer(this.rxBytesTwice);
      if (a[1] === b[1]) return a[1]!;
    }
    return b[1]!;
  }

  /**
   * Reads n (<= 64) bytes from the RX FIFO into dest at offset; one burst, one ioctl.
   * Returns the chip status byte seen on the header.
   */
  readFifo(n: number, dest: Uint8Array, offset: number): number {
    const t = this.fifoMsg[0]!;
    t.length = n + 1;
    this.bus.transfer(this.fifoMsg);
    dest.set(t.rx.subarray(1, n + 1), offset);
    return t.rx[0]!;
  }

  /** RSSI, LQI and FREQEST in one message (status registers cannot be burst-read together). */
  readSignal(): SignalReading {
    this.bus.transfer(this.signalMsg);
    this.signal.rssi = rssiDbm(this.signalMsg[0]!.rx[1]!);
    this.signal.lqi = this.signalMsg[1]!.rx[1]! & 0x7f;
    this.signal.freqOffsetHz = freqOffsetHz(this.signalMsg[2]!.rx[1]!);
    return this.signal;
  }

  marcState(): number {
    return this.readStatus(STATUS.MARCSTATE) & 0x1f;
  }

  /** Waits for a MARCSTATE value; false on timeout. */
  waitForState(state: number, timeoutMs: number): boolean {
    const until = this.clock.now() + timeoutMs;
    for (;;) {
      // Time first: after a stall of the host the chip has long arrived, so look before giving up.
      const late = this.clock.now() >= until;
      if (this.marcState() === state) return true;
      if (late) return false;
      this.clock.sleep(0.05);
    }
  }

  /** Stops reception; the FIFO keeps what it holds. */
  idle(): boolean {
    this.strobe(STROBE.SIDLE);
    return this.waitForState(MARC.IDLE, 2);
  }

  /**
   * IDLE, flush, RX. Returns false when the chip does not reach RX (the caller restarts it).
   * With autocalibration on, IDLE -> RX takes about 0.8 ms.
   */
  rearm(): boolean {
    if (this.marcState() === MARC.RXFIFO_OVERFLOW) this.strobe(STROBE.SFRX);
    if (!this.idle()) return false;
    this.strobe(STROBE.SFRX);
    this.strobe(STROBE.SRX);
    return this.waitForState(MARC.RX, 3);
  }

  /** Reset, identify, configure, calibrate and listen: the whole start-up of §6. */
  start(profile: RadioProfile, fsctrl0?: number): ChipIdentity {
    this.reset();
    const id = this.identify();
    this.configure(profile, fsctrl0);
    this.strobe(STROBE.SCAL);
    this.waitForState(MARC.IDLE, 2);
    if (!this.rearm()) throw new ChipError(`CC1101 on ${this.bus.device} does not enter RX (MARCSTATE 0x${this.marcState().toString(16)})`);
    return id;
  }
}
