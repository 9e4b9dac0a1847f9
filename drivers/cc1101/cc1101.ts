import { type Clock, realClock } from '../clock.js';
import type { SpiBus, SpiTransfer } from '../spi/bus.js';
import type { GpioLine } from '../gpio/line.js';
import {
  BURST,
  CONFIG_REGISTERS,
  FIFO,
  FIFO_SIZE,
  FSCAL1_NO_LOCK,
  GDO_CFG_LOW,
  GDO_INV,
  MARC,
  PARTNUM_CC1101,
  READ,
  REG,
  type RadioProfile,
  STATUS,
  STROBE,
  TI_VERSIONS,
  freqOffsetHz,
  rssiDbm,
} from './registers.js';

/**
 * What went wrong at start-up: 'absent' (the bus reads all 0x00 or all 0xFF), 'not-cc1101' (a chip
 * with another PARTNUM), 'readback' (registers not kept), 'pll' (no lock), 'no-rx' (RX not reached).
 */
export type ChipFault = 'absent' | 'not-cc1101' | 'readback' | 'pll' | 'no-rx';

export class ChipError extends Error {
  override name = 'ChipError';
  constructor(
    readonly fault: ChipFault,
    message: string,
  ) {
    super(message);
  }
}

export interface ChipIdentity {
  partnum: number;
  version: number;
  /** set when VERSION is not one of TI's: says which version and that the chip is used anyway */
  warning?: string;
}

/** Calibrations tried before the chip is declared unable to lock its PLL. */
const CALIBRATION_TRIES = 3;
/** Written to PKTLEN and read back to prove that a chip, not a floating bus, answers. */
const PROBE_PATTERNS = [0x5a, 0xa5];

const hex2 = (v: number) => `0x${v.toString(16).padStart(2, '0')}`;

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
  readonly #single = [transfer(2)];
  readonly #strobeMsg = [transfer(1)];
  /** RXBYTES twice in one ioctl with CS toggled between: the errata's "read until two agree" */
  readonly #rxBytesTwice = [transfer(2, true), transfer(2)];
  readonly #signalMsg = [transfer(2, true), transfer(2, true), transfer(2)];
  readonly #fifoMsg = [transfer(FIFO_SIZE + 1)];
  /** SIDLE, the FIFO's last bytes, RSSI, LQI, FREQEST, SFRX, SRX: the end of a packet in one ioctl */
  readonly #finishMsg = [
    transfer(1, true),
    transfer(FIFO_SIZE + 1, true),
    transfer(2, true),
    transfer(2, true),
    transfer(2, true),
    transfer(1, true),
    transfer(1),
  ];
  /** SIDLE, SFRX, SRX: back to listening from RX in one ioctl */
  readonly #restartMsg = [transfer(1, true), transfer(1, true), transfer(1)];
  readonly #burstWrite = [transfer(CONFIG_REGISTERS + 1)];
  readonly #burstRead = [transfer(CONFIG_REGISTERS + 1)];
  readonly signal: SignalReading = { rssi: 0, lqi: 0, freqOffsetHz: 0 };

  readonly #clock: Clock;
  constructor(
    readonly bus: SpiBus,
    clock: Clock = realClock,
  ) {
    this.#clock = clock;
    this.#rxBytesTwice[0]!.tx[0] = READ | BURST | STATUS.RXBYTES;
    this.#rxBytesTwice[1]!.tx[0] = READ | BURST | STATUS.RXBYTES;
    this.#signalMsg[0]!.tx[0] = READ | BURST | STATUS.RSSI;
    this.#signalMsg[1]!.tx[0] = READ | BURST | STATUS.LQI;
    this.#signalMsg[2]!.tx[0] = READ | BURST | STATUS.FREQEST;
    this.#fifoMsg[0]!.tx[0] = READ | BURST | FIFO;
    const finish = [STROBE.SIDLE, READ | BURST | FIFO, READ | BURST | STATUS.RSSI, READ | BURST | STATUS.LQI];
    finish.push(READ | BURST | STATUS.FREQEST, STROBE.SFRX, STROBE.SRX);
    finish.forEach((header, i) => (this.#finishMsg[i]!.tx[0] = header));
    [STROBE.SIDLE, STROBE.SFRX, STROBE.SRX].forEach((header, i) => (this.#restartMsg[i]!.tx[0] = header));
    this.#burstWrite[0]!.tx[0] = BURST | 0x00;
    this.#burstRead[0]!.tx[0] = READ | BURST | 0x00;
  }

  /** Sends a command strobe; returns the chip status byte. */
  strobe(command: number): number {
    const t = this.#strobeMsg[0]!;
    t.tx[0] = command;
    this.bus.transfer(this.#strobeMsg);
    return t.rx[0]!;
  }

  readStatus(address: number): number {
    return this.#access(READ | BURST | address, 0);
  }

  readRegister(address: number): number {
    return this.#access(READ | address, 0);
  }

  writeRegister(address: number, value: number): void {
    this.#access(address, value);
  }

  #access(header: number, data: number): number {
    const t = this.#single[0]!;
    t.tx[0] = header;
    t.tx[1] = data;
    this.bus.transfer(this.#single);
    return t.rx[1]!;
  }

  /** SRES, then the wait for the crystal that spidev cannot see on SO. */
  reset(): void {
    this.strobe(STROBE.SRES);
    this.#clock.sleep(5);
  }

  /**
   * PARTNUM/VERSION, and a register written and read back: a bus with nothing on it reads all 0x00
   * or all 0xFF, while clones report other VERSIONs (0x17, 0x03, even 0x00) but keep registers.
   */
  identify(): ChipIdentity {
    const partnum = this.readStatus(STATUS.PARTNUM);
    const version = this.readStatus(STATUS.VERSION);
    const seen: number[] = [partnum, version];
    let keeps = true;
    for (const pattern of PROBE_PATTERNS) {
      this.writeRegister(REG.PKTLEN, pattern);
      const back = this.readRegister(REG.PKTLEN);
      seen.push(back);
      if (back !== pattern) keeps = false;
    }
    const floating = seen.every((v) => v === 0x00) || seen.every((v) => v === 0xff);
    if (!keeps) {
      throw new ChipError(
        floating ? 'absent' : 'readback',
        floating
          ? `no CC1101 answered on ${this.bus.device}: check wiring and that SPI is enabled (every read gave ${hex2(seen[0]!)}; ` +
              'a CC1101 answers PARTNUM 0x00 and keeps what is written to it)'
          : `a chip on ${this.bus.device} answers (PARTNUM ${hex2(partnum)}, VERSION ${hex2(version)}) but does not keep a register ` +
              `(wrote ${PROBE_PATTERNS.map(hex2).join(', ')}, read ${seen.slice(2).map(hex2).join(', ')}): check the MOSI and SCLK wires and the SPI clock`,
      );
    }
    if (partnum !== PARTNUM_CC1101) {
      throw new ChipError(
        'not-cc1101',
        `the chip on ${this.bus.device} is not a CC1101 (PARTNUM ${hex2(partnum)}, VERSION ${hex2(version)}; a CC1101 reports PARTNUM 0x00)`,
      );
    }
    if (TI_VERSIONS.includes(version)) return { partnum, version };
    return {
      partnum,
      version,
      warning:
        `the CC1101 on ${this.bus.device} reports VERSION ${hex2(version)}, not TI's 0x14 or 0x04: probably a clone. ` +
        'It keeps its registers, so it is used; if no telegram arrives, run `wmbus-gateway doctor` and try a module with a TI chip',
    };
  }

  /** Writes the whole profile in one burst and reads it back: a half-connected MOSI shows here. */
  configure(profile: RadioProfile, fsctrl0 = profile.registers[REG.FSCTRL0]!): void {
    const tx = this.#burstWrite[0]!.tx;
    tx.set(profile.registers, 1);
    tx[1 + REG.FSCTRL0] = fsctrl0 & 0xff;
    this.bus.transfer(this.#burstWrite);
    this.bus.transfer(this.#burstRead);
    const back = this.#burstRead[0]!.rx;
    for (let a = 0; a < CONFIG_REGISTERS; a++) {
      if (back[a + 1] !== tx[a + 1]) {
        throw new ChipError(
          'readback',
          `CC1101 on ${this.bus.device} did not keep register 0x${a.toString(16)} (wrote 0x${tx[a + 1]!.toString(16)}, read 0x${back[a + 1]!.toString(16)}): check the MOSI wire and the SPI clock`,
        );
      }
    }
  }

  /** RXBYTES read until two reads in one message agree (datasheet errata §20). */
  rxBytes(): number {
    const a = this.#rxBytesTwice[0]!.rx;
    const b = this.#rxBytesTwice[1]!.rx;
    for (let tries = 0; tries < 8; tries++) {
      this.bus.transfer(this.#rxBytesTwice);
      if (a[1] === b[1]) return a[1]!;
    }
    return b[1]!;
  }

  /**
   * Reads n (<= 64) bytes from the RX FIFO into dest at offset; one burst, one ioctl.
   * Returns the chip status byte seen on the header.
   */
  readFifo(n: number, dest: Uint8Array, offset: number): number {
    const t = this.#fifoMsg[0]!;
    t.length = n + 1;
    this.bus.transfer(this.#fifoMsg);
    dest.set(t.rx.subarray(1, n + 1), offset);
    return t.rx[0]!;
  }

  /** RSSI, LQI and FREQEST in one message (status registers cannot be burst-read together). */
  readSignal(): SignalReading {
    this.bus.transfer(this.#signalMsg);
    return this.#takeSignal(this.#signalMsg[0]!, this.#signalMsg[1]!, this.#signalMsg[2]!);
  }

  /** The signal readings from the transfers that read RSSI, LQI and FREQEST. */
  #takeSignal(rssi: SpiTransfer, lqi: SpiTransfer, freqest: SpiTransfer): SignalReading {
    this.signal.rssi = rssiDbm(rssi.rx[1]!);
    this.signal.lqi = lqi.rx[1]! & 0x7f;
    this.signal.freqOffsetHz = freqOffsetHz(freqest.rx[1]!);
    return this.signal;
  }

  /**
   * The end of a packet whose last n bytes are in the FIFO, as one ioctl: every message costs the
   * host 50-150 us (radio notes §5), and the chip hunts for no sync word until it is back in RX, so
   * a telegram right behind this one is heard only if this is short. SIDLE first, so reading the
   * FIFO empty cannot race an incoming byte (RX -> IDLE takes 0.1 us; errata, radio notes §3);
   * then the bytes, the signal readings, SFRX and SRX (RX 75 us later without autocalibration).
   * The caller then checks `reachedRx()`.
   */
  finishPacket(n: number, dest: Uint8Array, offset: number): void {
    const msg = this.#finishMsg;
    const fifo = msg[1]!;
    fifo.length = n + 1;
    this.bus.transfer(msg);
    dest.set(fifo.rx.subarray(1, n + 1), offset);
    this.#takeSignal(msg[2]!, msg[3]!, msg[4]!);
  }

  /**
   * After SRX: false when the chip does not reach RX (the caller restarts it). A host stall longer
   * than the way to RX plus 5 ms of a packet finds the FIFO overflowed: the chip can only get there
   * from RX, so it did arrive (the next service flushes it).
   */
  reachedRx(): boolean {
    return this.waitForState(MARC.RX, 3) || this.marcState() === MARC.RXFIFO_OVERFLOW;
  }

  marcState(): number {
    return this.readStatus(STATUS.MARCSTATE) & 0x1f;
  }

  /** FSCAL1 = 0x3F after a calibration means the synthesizer found no lock: the chip is deaf. */
  pllLocked(): boolean {
    return this.readRegister(REG.FSCAL1) !== FSCAL1_NO_LOCK;
  }

  /** SCAL from IDLE, then the lock check; true when the PLL locked. */
  calibrate(): boolean {
    this.strobe(STROBE.SCAL);
    this.waitForState(MARC.IDLE, 2);
    return this.pllLocked();
  }

  /**
   * Drives a GDO pin high and low through its IOCFG register (0x6F / 0x2F) and reads it on the
   * GPIO line; restores the register. False when the line does not follow: the wire is missing
   * or on another pin.
   */
  gdoFollows(iocfg: number, line: GpioLine): boolean {
    const saved = this.readRegister(iocfg);
    let follows = true;
    for (const level of [1, 0, 1, 0] as const) {
      this.writeRegister(iocfg, level ? GDO_CFG_LOW | GDO_INV : GDO_CFG_LOW);
      if (line.read() !== level) follows = false;
    }
    this.writeRegister(iocfg, saved);
    return follows;
  }

  /** Waits for a MARCSTATE value; false on timeout. */
  waitForState(state: number, timeoutMs: number): boolean {
    const until = this.#clock.now() + timeoutMs;
    for (;;) {
      // Time first: after a stall of the host the chip has long arrived, so look before giving up.
      const late = this.#clock.now() >= until;
      if (this.marcState() === state) return true;
      if (late) return false;
      this.#clock.sleep(0.05);
    }
  }

  /** Stops reception; the FIFO keeps what it holds. */
  idle(): boolean {
    this.strobe(STROBE.SIDLE);
    return this.waitForState(MARC.IDLE, 2);
  }

  /**
   * Flush and RX. Returns false when the chip does not reach RX (the caller restarts it).
   * SFRX is accepted only in IDLE and RXFIFO_OVERFLOW, and from RXFIFO_OVERFLOW it leads to IDLE
   * by itself (datasheet §10.4, state diagram Fig. 25), so an overflowed chip needs no SIDLE first.
   * IDLE -> RX takes 75 us without autocalibration, 0.8 ms with it (datasheet Table 34).
   */
  rearm(): boolean {
    const state = this.marcState();
    if (state !== MARC.IDLE && state !== MARC.RXFIFO_OVERFLOW && !this.idle()) return false;
    this.strobe(STROBE.SFRX);
    if (state === MARC.RXFIFO_OVERFLOW && !this.waitForState(MARC.IDLE, 1)) return false;
    this.strobe(STROBE.SRX);
    return this.reachedRx();
  }

  /**
   * Drops what the chip receives (a false sync, a packet given up) and listens again, in one ioctl
   * for the common case of a chip in RX: the chip hears nothing until this is done. A chip found
   * elsewhere afterwards goes through rearm(), which looks at its state first.
   */
  restartRx(): boolean {
    this.bus.transfer(this.#restartMsg);
    return this.reachedRx() || this.rearm();
  }

  /** Reset, identify, configure, calibrate (until the PLL locks) and listen: the whole start-up of §6. */
  start(profile: RadioProfile, fsctrl0?: number): ChipIdentity {
    this.reset();
    const id = this.identify();
    this.configure(profile, fsctrl0);
    let locked = false;
    for (let i = 0; i < CALIBRATION_TRIES && !locked; i++) locked = this.calibrate();
    if (!locked) {
      throw new ChipError(
        'pll',
        `the CC1101 on ${this.bus.device} does not get a PLL lock (FSCAL1 0x3F after ${CALIBRATION_TRIES} calibrations): ` +
          'it cannot hear anything; check its 3.3 V supply and crystal, or try another module',
      );
    }
    if (!this.rearm()) {
      throw new ChipError('no-rx', `CC1101 on ${this.bus.device} does not enter RX (MARCSTATE 0x${this.marcState().toString(16)})`);
    }
    return id;
  }
}
