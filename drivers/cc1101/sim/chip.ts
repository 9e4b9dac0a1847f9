import type { Clock } from '../../clock.js';
import type { GpioLine } from '../../gpio/line.js';
import type { SpiBus, SpiTransfer } from '../../spi/bus.js';
import {
  CHIP_STATE,
  CONFIG_REGISTERS,
  FIFO,
  FIFO_SIZE,
  FREQ_STEP_HZ,
  FSCAL1_NO_LOCK,
  MARC,
  PATABLE,
  PKTSTATUS_CS,
  PKTSTATUS_SFD,
  REG,
  RESET_VALUES,
  RXBYTES_OVERFLOW,
  STATUS,
  STROBE,
  carrierHz,
  channelBandwidthHz,
  dataRateBaud,
  rssiRegister,
  rxThreshold,
} from '../registers.js';
import { type AirBurst, Ether, NOISE_RSSI_DBM, seededRandom } from './ether.js';

/** Datasheet Table 34: IDLE -> RX with autocalibration, without, and a manual SCAL. */
const AUTOCAL_RX_MS = 0.799;
const SETTLE_RX_MS = 0.075;
const MANUAL_CAL_MS = 0.718;
/**
 * After SRES the chip holds SO (CHIP_RDYn) high until its crystal runs again (datasheet §19.1.2;
 * the radio notes give 150 us for the crystal from power-down); an access meanwhile is not decoded.
 */
const XOSC_START_MS = 0.15;
/** The demodulator needs the sync word (16 chips) inside its RX time to find it. */
const SYNC_WORD_MS = 0.16;
const SENSITIVITY_DBM = -110;
/** FSCAL1 after a calibration that locked (any value but 0x3F; real chips give 0x00-0x3E). */
const FSCAL1_LOCKED = 0x1a;

type State = 'idle' | 'calibrate' | 'settle' | 'rx' | 'overflow';

interface Packet {
  burst: AirBurst;
  /** bytes that entered the FIFO so far */
  entered: number;
  noise: () => number;
}

export interface SimChipOptions {
  clock: Clock;
  ether?: Ether;
  /** a chip with this VERSION (0x14 current silicon; clones report 0x17, 0x03, 0x00, ...) */
  version?: number;
  /** no chip: MISO floats high (every read 0xFF), or with 'low' is pulled low (every read 0x00) */
  absent?: boolean | 'low';
  /** 'never-locks': every calibration ends with FSCAL1 = 0x3F and the chip hears nothing */
  pll?: 'locks' | 'never-locks';
  /** GDO2 is not connected to the GPIO line the host reads: the line stays low */
  gdo2Unwired?: boolean;
  device?: string;
  seed?: number;
  /** time each SPI message costs on the clock (for clocks that move only when told) */
  spiCost?: { messageMs: number; byteMs: number };
}

/** What the simulator saw the host do: tests assert on these. */
export interface SimChipStats {
  packetsStarted: number;
  overflows: number;
  /** the host read the RX FIFO empty while a packet was still coming in (datasheet errata §20) */
  erratumViolations: number;
  emptyFifoReads: number;
  /** strobes the datasheet says have no effect in the state they were sent in (e.g. SFRX in RX) */
  ignoredStrobes: number;
  spiMessages: number;
  /** calibrations run (SCAL, or SRX with autocalibration) */
  calibrations: number;
  /** SPI messages sent while CHIP_RDYn was high after a reset: the chip ignored them */
  accessesBeforeReady: number;
}

/**
 * A CC1101 at register level behind the same SpiBus and GpioLine interfaces the real chip uses.
 * Nothing runs on timers: on every SPI message the chip catches up with the clock, moving the
 * bytes that have arrived since the last access into its 64-byte FIFO (80 us per byte after the
 * sync word) and overflowing exactly when a late host would have let it.
 */
export class SimCc1101 implements SpiBus {
  readonly device: string;
  readonly ether: Ether;
  readonly stats: SimChipStats = {
    packetsStarted: 0,
    overflows: 0,
    erratumViolations: 0,
    emptyFifoReads: 0,
    ignoredStrobes: 0,
    spiMessages: 0,
    calibrations: 0,
    accessesBeforeReady: 0,
  };
  readonly gdo0: GpioLine;
  readonly gdo2: GpioLine;

  readonly #clock: Clock;
  readonly #spiCost: SimChipOptions['spiCost'];
  readonly #regs = new Uint8Array(CONFIG_REGISTERS);
  readonly #patable = new Uint8Array(8);
  readonly #fifo = new Uint8Array(FIFO_SIZE);
  #fifoHead = 0;
  #fifoCount = 0;
  #lastRead = 0;
  #corruptNext = false;
  #state: State = 'idle';
  #stateUntil = 0;
  /** clock time from which the crystal runs again after SRES */
  #readyAt = -Infinity;
  #afterCalibration: 'idle' | 'rx' = 'idle';
  #rxSince = 0;
  /** FREQ2..0 value the synthesizer was calibrated for; -1 = never */
  #calibratedFreq = -1;
  #packet: Packet | undefined;
  #packetSeq = 0;
  #rssiReg = rssiRegister(NOISE_RSSI_DBM);
  #lqiReg = 0x7f;
  #freqestReg = 0;
  readonly #version: number;
  readonly #absent: boolean | 'low';
  readonly #pll: 'locks' | 'never-locks';
  readonly #gdo2Unwired: boolean;
  readonly #seed: number;
  // SPI access decoding across bytes of one chip-select run
  #expectHeader = true;
  #address = 0;
  #reading = false;
  #burst = false;
  #patableIndex = 0;
  #closed = false;

  constructor(options: SimChipOptions) {
    this.#clock = options.clock;
    this.ether = options.ether ?? new Ether();
    this.#version = options.version ?? 0x14;
    this.#absent = options.absent ?? false;
    this.#pll = options.pll ?? 'locks';
    this.#gdo2Unwired = options.gdo2Unwired ?? false;
    this.device = options.device ?? '/dev/spidev0.0';
    this.#seed = options.seed ?? 1;
    this.#spiCost = options.spiCost;
    this.#regs.set(RESET_VALUES);
    this.gdo0 = this.#line('GDO0', REG.IOCFG0, false);
    this.gdo2 = this.#line('GDO2', REG.IOCFG2, this.#gdo2Unwired);
  }

  // ---- SpiBus -------------------------------------------------------------------------------

  transfer(message: readonly SpiTransfer[]): void {
    this.#throwIfClosed('transferSync');
    this.stats.spiMessages++;
    const now = this.#clock.now();
    if (this.#absent) {
      for (const t of message) t.rx.fill(this.#absent === 'low' ? 0x00 : 0xff, 0, t.length);
      return;
    }
    this.#advance(now);
    if (now < this.#readyAt) {
      // SO stays high: every byte clocked in reads 0xFF (CHIP_RDYn, bit 7 of the status byte, set), nothing is decoded.
      this.stats.accessesBeforeReady++;
      for (const t of message) t.rx.fill(0xff, 0, t.length);
      return this.#chargeSpi(message);
    }
    for (const t of message) {
      for (let i = 0; i < t.length; i++) t.rx[i] = this.#spiByte(t.tx[i]!, now);
      if (t.csChange) this.#expectHeader = true;
    }
    this.#expectHeader = true;
    this.#chargeSpi(message);
  }

  #chargeSpi(message: readonly SpiTransfer[]): void {
    if (!this.#spiCost) return;
    let bytes = 0;
    for (const t of message) bytes += t.length;
    this.#clock.sleep(this.#spiCost.messageMs + bytes * this.#spiCost.byteMs);
  }

  close(): void {
    this.#throwIfClosed('closeSync');
    this.#closed = true;
    this.gdo0.close();
    this.gdo2.close();
  }

  /** spi-device refuses every call on a closed device, closing it again included. */
  #throwIfClosed(call: string): void {
    if (this.#closed) throw new Error(`EPERM, ${call}: device closed, operation not permitted`);
  }

  // ---- what tests may look at ----------------------------------------------------------------

  /** MARCSTATE as the chip would report it now. */
  marcState(): number {
    this.#advance(this.#clock.now());
    return this.#marc();
  }

  register(address: number): number {
    return this.#regs[address]!;
  }

  /** The synthesizer drops out of lock (a supply dip, a temperature swing): deaf until the next calibration. */
  losePllLock(): void {
    this.#regs[REG.FSCAL1] = FSCAL1_NO_LOCK;
    this.#calibratedFreq = -1;
  }

  // ---- SPI decoding --------------------------------------------------------------------------

  #spiByte(tx: number, now: number): number {
    if (this.#expectHeader) {
      const status = this.#statusByte((tx & 0x80) !== 0);
      const address = tx & 0x3f;
      const burst = (tx & 0x40) !== 0;
      if (address >= STROBE.SRES && address <= STROBE.SNOP && !burst) {
        this.#strobe(address, now);
        return status;
      }
      this.#address = address;
      this.#reading = (tx & 0x80) !== 0;
      this.#burst = burst;
      this.#expectHeader = false;
      this.#patableIndex = 0;
      return status;
    }
    let rx = 0;
    const a = this.#address;
    if (a < CONFIG_REGISTERS) {
      if (this.#reading) rx = this.#regs[a]!;
      else this.#regs[a] = tx;
      if (this.#burst && a < CONFIG_REGISTERS - 1) this.#address++;
    } else if (a >= STATUS.PARTNUM && a <= STATUS.RCCTRL0_STATUS) {
      rx = this.#statusRegister(a);
    } else if (a === PATABLE) {
      if (this.#reading) rx = this.#patable[this.#patableIndex & 7]!;
      else this.#patable[this.#patableIndex & 7] = tx;
      this.#patableIndex++;
    } else if (a === FIFO) {
      rx = this.#reading ? this.#popFifo() : 0;
    }
    if (!this.#burst) this.#expectHeader = true;
    return rx;
  }

  #statusByte(readFifo: boolean): number {
    const fifoBytes = readFifo ? Math.min(15, this.#fifoCount) : 15;
    return (this.#chipState() << 4) | fifoBytes;
  }

  #chipState(): number {
    switch (this.#state) {
      case 'idle':
        return CHIP_STATE.IDLE;
      case 'calibrate':
        return CHIP_STATE.CALIBRATE;
      case 'settle':
        return CHIP_STATE.SETTLING;
      case 'rx':
        return CHIP_STATE.RX;
      case 'overflow':
        return CHIP_STATE.RXFIFO_OVERFLOW;
    }
  }

  #marc(): number {
    switch (this.#state) {
      case 'idle':
        return MARC.IDLE;
      case 'calibrate':
        return this.#afterCalibration === 'rx' ? MARC.STARTCAL : MARC.MANCAL;
      case 'settle':
        return MARC.ENDCAL;
      case 'rx':
        return MARC.RX;
      case 'overflow':
        return MARC.RXFIFO_OVERFLOW;
    }
  }

  #statusRegister(a: number): number {
    switch (a) {
      case STATUS.PARTNUM:
        return 0x00;
      case STATUS.VERSION:
        return this.#version;
      case STATUS.FREQEST:
        return this.#freqestReg;
      case STATUS.LQI:
        return this.#lqiReg;
      case STATUS.RSSI:
        return this.#rssiReg;
      case STATUS.MARCSTATE:
        return this.#marc();
      case STATUS.PKTSTATUS:
        return (
          (this.#packet ? PKTSTATUS_SFD | PKTSTATUS_CS : 0) |
          (this.#gdoLevel(this.#regs[REG.IOCFG2]!) << 2) |
          this.#gdoLevel(this.#regs[REG.IOCFG0]!)
        );
      case STATUS.RXBYTES:
        return (this.#state === 'overflow' ? RXBYTES_OVERFLOW : 0) | this.#fifoCount;
      default:
        return 0;
    }
  }

  #strobe(command: number, now: number): void {
    switch (command) {
      case STROBE.SRES:
        this.#regs.set(RESET_VALUES);
        this.#flushFifo();
        this.#packet = undefined;
        this.#state = 'idle';
        this.#calibratedFreq = -1;
        this.#readyAt = now + XOSC_START_MS;
        return;
      case STROBE.SRX:
        if (this.#state !== 'idle') return this.#ignored(this.#state === 'rx' || this.#state === 'settle' || this.#state === 'calibrate');
        if (((this.#regs[REG.MCSM0]! >> 4) & 0x03) === 1) this.#calibrate(now, AUTOCAL_RX_MS, 'rx');
        else {
          this.#state = 'settle';
          this.#stateUntil = now + SETTLE_RX_MS;
        }
        return;
      case STROBE.SIDLE:
        this.#packet = undefined;
        this.#state = 'idle';
        return;
      case STROBE.SFRX:
        if (this.#state !== 'idle' && this.#state !== 'overflow') return this.#ignored(false);
        this.#flushFifo();
        this.#state = 'idle';
        return;
      case STROBE.SCAL:
        if (this.#state !== 'idle') return this.#ignored(false);
        this.#calibrate(now, MANUAL_CAL_MS, 'idle');
        return;
      case STROBE.SNOP:
      case STROBE.SFTX:
      case STROBE.SWORRST:
        return;
      default:
        // TX, WOR, power-down and crystal-off are not simulated: the receiver never uses them.
        return this.#ignored(false);
    }
  }

  /** Counts a strobe that the datasheet says does nothing here (harmless ones are not counted). */
  #ignored(harmless: boolean): void {
    if (!harmless) this.stats.ignoredStrobes++;
  }

  #calibrate(now: number, ms: number, then: 'idle' | 'rx'): void {
    this.stats.calibrations++;
    this.#state = 'calibrate';
    this.#stateUntil = now + ms;
    this.#afterCalibration = then;
  }

  /** The calibration result lands in FSCAL1 (and FSCAL3/2, not modelled); 0x3F means no lock. */
  #finishCalibration(): void {
    const locks = this.#pll === 'locks';
    this.#calibratedFreq = locks ? this.#freqWord() : -1;
    this.#regs[REG.FSCAL1] = locks ? FSCAL1_LOCKED : FSCAL1_NO_LOCK;
  }

  #freqWord(): number {
    return (this.#regs[REG.FREQ2]! << 16) | (this.#regs[REG.FREQ1]! << 8) | this.#regs[REG.FREQ0]!;
  }

  // ---- the air -------------------------------------------------------------------------------

  /** Catches the chip up with `now`: finishes calibrations, finds syncs, fills the FIFO. */
  #advance(now: number): void {
    for (;;) {
      if ((this.#state === 'calibrate' || this.#state === 'settle') && now >= this.#stateUntil) {
        if (this.#state === 'calibrate') this.#finishCalibration();
        if (this.#state === 'settle' || this.#afterCalibration === 'rx') this.#enterRx(this.#stateUntil);
        else this.#state = 'idle';
        continue;
      }
      if (this.#state !== 'rx') return;
      if (!this.#packet && !this.#findSync(now)) return;
      const p = this.#packet!;
      const due = Math.floor((now - p.burst.syncMs - this.ether.epoch!) * this.#bytesPerMs());
      const fixed = (this.#regs[REG.PKTCTRL0]! & 0x03) === 0;
      const limit = fixed ? Math.min(due, this.#regs[REG.PKTLEN]!) : due;
      while (p.entered < limit) {
        if (this.#fifoCount === FIFO_SIZE) {
          this.#state = 'overflow';
          this.#packet = undefined;
          this.stats.overflows++;
          return;
        }
        const index = p.entered++;
        const byte = index < p.burst.bytes.length ? p.burst.bytes[index]! : (p.noise() * 256) | 0;
        this.#pushFifo(byte);
      }
      if (!fixed || p.entered < this.#regs[REG.PKTLEN]!) return;
      // Fixed length reached: the packet ends and MCSM1.RXOFF_MODE says where the chip goes.
      const endMs = this.ether.epoch! + p.burst.syncMs + p.entered / this.#bytesPerMs();
      this.#packet = undefined;
      if (((this.#regs[REG.MCSM1]! >> 2) & 0x03) === 3) this.#rxSince = endMs;
      else {
        this.#state = 'idle';
        return;
      }
    }
  }

  #enterRx(at: number): void {
    this.#state = 'rx';
    this.#rxSince = at;
    this.ether.epoch ??= at;
    this.#rssiReg = rssiRegister(NOISE_RSSI_DBM);
  }

  #findSync(now: number): boolean {
    const epoch = this.ether.epoch!;
    let from = this.#rxSince - epoch + SYNC_WORD_MS;
    for (;;) {
      const burst = this.ether.nextBurst(from);
      if (!burst || burst.syncMs + epoch > now) return false;
      if (this.#hears(burst)) {
        this.#startPacket(burst);
        return true;
      }
      from = burst.syncMs + 1e-6;
    }
  }

  /** Would a CC1101 with these registers lock on to this burst? */
  #hears(burst: AirBurst): boolean {
    const r = this.#regs;
    const syncMode = r[REG.MDMCFG2]! & 0x03;
    const modulation = (r[REG.MDMCFG2]! >> 4) & 0x07;
    const manchester = (r[REG.MDMCFG2]! & 0x08) !== 0;
    if (syncMode === 0 || this.#calibratedFreq !== this.#freqWord()) return false;
    if (burst.noise) return true;
    if (modulation !== 0 || manchester || burst.rssi < SENSITIVITY_DBM) return false;
    // 15/16 tolerates one wrong sync bit; 30/32 wants the word twice, which T and C do not send.
    const wrongBits = popcount16(((r[REG.SYNC1]! << 8) | r[REG.SYNC0]!) ^ burst.syncWord);
    if (syncMode === 3 || wrongBits > (syncMode === 1 ? 1 : 0)) return false;
    const focLimit = [1 / 64, 1 / 8, 1 / 4, 1 / 2][r[REG.FOCCFG]! & 0x03]!;
    if (Math.abs(burst.carrierHz - carrierHz(r)) > channelBandwidthHz(r) * focLimit) return false;
    const rateLimit = [0.01, 0.03125, 0.0625, 0.125][r[REG.BSCFG]! & 0x03]!;
    return Math.abs(dataRateBaud(r) / burst.baud - 1) <= rateLimit;
  }

  #startPacket(burst: AirBurst): void {
    this.stats.packetsStarted++;
    this.#packet = { burst, entered: 0, noise: seededRandom(this.#seed * 7919 + ++this.#packetSeq) };
    this.#rssiReg = rssiRegister(burst.rssi);
    // LQI: lower is better; a strong clean signal gives a low figure.
    this.#lqiReg = Math.max(0, Math.min(127, Math.round((-burst.rssi - 40) / 2)));
    const offset = burst.noise ? 0 : Math.round((burst.carrierHz - carrierHz(this.#regs)) / FREQ_STEP_HZ);
    this.#freqestReg = Math.max(-128, Math.min(127, offset)) & 0xff;
  }

  #bytesPerMs(): number {
    const burst = this.#packet!.burst;
    // The bit synchroniser follows the sender's rate; noise comes at the rate the chip expects.
    return (burst.noise ? dataRateBaud(this.#regs) : burst.baud) / 8000;
  }

  // ---- FIFO ----------------------------------------------------------------------------------

  #pushFifo(byte: number): void {
    if (this.#corruptNext) {
      // Errata: a byte that arrives while the host reads the last one duplicates that byte.
      byte = this.#lastRead;
      this.#corruptNext = false;
      this.stats.erratumViolations++;
    }
    this.#fifo[(this.#fifoHead + this.#fifoCount) % FIFO_SIZE] = byte;
    this.#fifoCount++;
  }

  #popFifo(): number {
    if (this.#fifoCount === 0) {
      this.stats.emptyFifoReads++;
      return this.#lastRead;
    }
    this.#lastRead = this.#fifo[this.#fifoHead]!;
    this.#fifoHead = (this.#fifoHead + 1) % FIFO_SIZE;
    this.#fifoCount--;
    if (this.#fifoCount === 0 && this.#packet) this.#corruptNext = true;
    return this.#lastRead;
  }

  #flushFifo(): void {
    this.#fifoHead = 0;
    this.#fifoCount = 0;
    this.#corruptNext = false;
  }

  // ---- GDO pins ------------------------------------------------------------------------------

  #gdoLevel(iocfg: number): 0 | 1 {
    const threshold = rxThreshold(this.#regs[REG.FIFOTHR]!);
    let level: boolean;
    switch (iocfg & 0x3f) {
      case 0x00:
        level = this.#fifoCount >= threshold;
        break;
      case 0x01:
        level = this.#fifoCount >= threshold || (this.#fifoCount > 0 && !this.#packet);
        break;
      case 0x04:
        level = this.#state === 'overflow';
        break;
      case 0x06:
        level = this.#packet !== undefined;
        break;
      case 0x0e:
        level = this.#packet !== undefined;
        break;
      default:
        level = false;
    }
    return level !== ((iocfg & 0x40) !== 0) ? 1 : 0;
  }

  /**
   * A pin as onoff would show it: read() samples now; watch() samples on a 1 ms timer of the
   * event loop and reports changes, about the latency of a sysfs interrupt delivered to a loop.
   */
  #line(name: string, iocfgAddress: number, unwired: boolean): GpioLine {
    let timer: NodeJS.Timeout | undefined;
    const read = (): 0 | 1 => {
      if (this.#absent || unwired) return 0;
      this.#advance(this.#clock.now());
      return this.#gdoLevel(this.#regs[iocfgAddress]!);
    };
    const unwatch = () => {
      if (timer) clearInterval(timer);
      timer = undefined;
    };
    return {
      name: `${name} (simulated)`,
      read,
      watch: (callback) => {
        unwatch();
        let last = read();
        timer = setInterval(() => {
          const v = read();
          if (v !== last) callback(v);
          last = v;
        }, 1);
      },
      unwatch,
      close: unwatch,
    };
  }
}

function popcount16(v: number): number {
  let n = 0;
  for (let x = v & 0xffff; x; x &= x - 1) n++;
  return n;
}
