import type { Clock } from '../clock.js';
import type { Cc1101, SignalReading } from './cc1101.js';
import { FIFO_SIZE, MARC, RXBYTES_COUNT, RXBYTES_OVERFLOW } from './registers.js';

/**
 * How long the packet that starts with these bytes is, in raw bytes after the sync word, or a
 * negative number when the bytes cannot start a packet (a false sync on noise). The radio layer
 * supplies this; the driver knows nothing of M-Bus.
 */
export type PacketLength = (head: Uint8Array) => number;

export interface ReceiverOptions {
  /** bytes after sync needed to know the length */
  headBytes: number;
  packetLength: PacketLength;
  /** FIFO bytes per ms at the nominal rate */
  bytesPerMs: number;
  /** largest packet the caller may ask for */
  maxPacket?: number;
  /** sleep between FIFO services while a packet is coming in */
  pollMs?: number;
  /** give up when the FIFO shows no new byte for this long */
  stallTimeoutMs?: number;
  /** upper bounds (ms) of the service-gap histogram's buckets, ascending, the last one Infinity */
  serviceGapBucketsMs?: readonly number[];
  /** called once per packet when its length is known: lets a test stall the loop mid-packet */
  onLength?: (rawLength: number) => void;
  /** called once per packet when the FIFO first shows bytes, before any is read: lets a test make the first look late */
  onSync?: () => void;
}

export type ServiceOutcome = 'none' | 'packet' | 'false-sync' | 'overflow' | 'timeout' | 'fault' | 'pll-unlocked';

export interface ReceiverCounters {
  syncs: number;
  falseSyncs: number;
  packets: number;
  /** packets read whole from a FIFO that had overflowed after their last byte (counted in packets too) */
  salvaged: number;
  /** packets lost because the FIFO overflowed before their last byte */
  overflows: number;
  timeouts: number;
  rearmFailures: number;
  /** longest time between two FIFO services while a packet was coming in */
  maxServiceGapMs: number;
  /** most bytes seen waiting in the FIFO (64 = it was full) */
  maxFifoLevel: number;
  /** service gaps during packets counted per bucket of `serviceGapBucketsMs` (filled in place: no allocation) */
  serviceGapHistogram: number[];
  /**
   * longest time from a packet's last byte on air until the chip listened again. In infinite
   * length mode the chip hunts for no sync word until the host stops it (radio notes §6), so a
   * telegram whose sync word came in that time was never heard and is counted nowhere else. For a
   * frame salvaged from an overflowed FIFO it is a lower bound (the sync time is).
   */
  maxDeafAfterPacketMs: number;
  /** those times per bucket of `serviceGapBucketsMs` */
  deafAfterPacketHistogram: number[];
}

/**
 * The receive algorithm of the radio notes §6: infinite packet length with a software byte count,
 * the errata-safe drain (RXBYTES read twice per message, one byte left in the FIFO until the
 * packet is complete, SIDLE before the last read), overflow handling and re-arm. A call to
 * serviceOnce() returns at once when nothing is happening and otherwise blocks until the packet
 * is complete or given up: the loop must not yield while the FIFO fills.
 */
export class PacketReceiver {
  readonly packet: Uint8Array;
  packetLength = 0;
  /** clock time of the sync word of the last packet */
  syncTime = 0;
  readonly counters: ReceiverCounters = {
    syncs: 0,
    falseSyncs: 0,
    packets: 0,
    salvaged: 0,
    overflows: 0,
    timeouts: 0,
    rearmFailures: 0,
    maxServiceGapMs: 0,
    maxFifoLevel: 0,
    serviceGapHistogram: [],
    maxDeafAfterPacketMs: 0,
    deafAfterPacketHistogram: [],
  };
  readonly #gapBuckets: readonly number[];
  readonly #pollMs: number;
  readonly #stallTimeoutMs: number;
  readonly #head: Uint8Array;

  readonly #clock: Clock;
  readonly #options: ReceiverOptions;
  constructor(
    readonly chip: Cc1101,
    clock: Clock,
    options: ReceiverOptions,
  ) {
    this.#clock = clock;
    this.#options = options;
    this.packet = new Uint8Array(options.maxPacket ?? 512);
    this.#head = this.packet.subarray(0, options.headBytes);
    this.#pollMs = options.pollMs ?? 0.5;
    this.#stallTimeoutMs = options.stallTimeoutMs ?? 8;
    this.#gapBuckets = options.serviceGapBucketsMs ?? [Infinity];
    for (let i = 0; i < this.#gapBuckets.length; i++) {
      this.counters.serviceGapHistogram.push(0);
      this.counters.deafAfterPacketHistogram.push(0);
    }
  }

  get signal(): SignalReading {
    return this.chip.signal;
  }

  serviceOnce(): ServiceOutcome {
    const chip = this.chip;
    let rb = chip.rxBytes();
    if (rb === 0) return 'none';
    if (this.#options.onSync) {
      this.#options.onSync();
      rb = chip.rxBytes();
    }
    const start = this.#clock.now();
    this.counters.syncs++;
    // An overflowed FIFO holds 64 bytes, so the sync was at least that long ago.
    this.syncTime = start - (rb & RXBYTES_OVERFLOW ? FIFO_SIZE + 1 : rb & RXBYTES_COUNT) / this.#options.bytesPerMs;
    const headBytes = this.#options.headBytes;
    let need = -1;
    let got = 0;
    // The wait from the sync to this first look counts as a service gap like any other.
    let lastService = this.syncTime;
    let lastProgress = start;
    let deadline = Infinity;
    for (;;) {
      const now = this.#clock.now();
      const gap = now - lastService;
      if (gap > this.counters.maxServiceGapMs) this.counters.maxServiceGapMs = gap;
      this.counters.serviceGapHistogram[this.#bucket(gap)]!++;
      lastService = now;
      const n = rb & RXBYTES_COUNT;
      if (n > this.counters.maxFifoLevel) this.counters.maxFifoLevel = n;
      const target = need < 0 ? headBytes : need;
      if (need >= 0 && n >= need - got) {
        // Everything is in: stop, read and listen again in one message (Cc1101.finishPacket).
        chip.finishPacket(need - got, this.packet, got);
        this.packetLength = need;
        this.counters.packets++;
        this.#countDeafness();
        return this.#rearm('packet', chip.reachedRx());
      }
      if (rb & RXBYTES_OVERFLOW) return this.#salvage(n, need, got);
      const k = Math.min(n - 1, target - got);
      if (k > 0) {
        chip.readFifo(k, this.packet, got);
        got += k;
        lastProgress = now;
      }
      if (need < 0 && got >= headBytes) {
        need = this.#options.packetLength(this.#head);
        if (need < 0 || need > this.packet.length) {
          this.counters.falseSyncs++;
          return this.#rearm('false-sync', chip.restartRx());
        }
        deadline = this.syncTime + (need / this.#options.bytesPerMs) * 1.15 + 5;
        this.#options.onLength?.(need);
        rb = chip.rxBytes();
        continue;
      }
      if (now - lastProgress > this.#stallTimeoutMs || now > deadline) {
        this.counters.timeouts++;
        return this.#rearm('timeout', chip.restartRx());
      }
      // Sleep until the bytes still missing could be there, but never longer than pollMs.
      const missing = (need < 0 ? headBytes : need) - got + 1 - (n - Math.max(k, 0));
      this.#clock.sleep(Math.min(this.#pollMs, Math.max(0.05, missing / this.#options.bytesPerMs)));
      rb = chip.rxBytes();
    }
  }

  /**
   * After an overflow the FIFO still holds the first 64 bytes that followed what was read, and
   * no more arrive, so reading it empty is safe (the errata race needs an incoming byte). A packet
   * whose raw length fits in what was read plus those bytes is complete: most water and heat
   * meters send frames of up to 64 raw bytes, which then survive a stall of any length.
   */
  #salvage(n: number, need: number, got: number): ServiceOutcome {
    if (need < 0 && got + n <= this.packet.length) {
      this.chip.readFifo(n, this.packet, got);
      need = this.#options.packetLength(this.#head);
      if (need < 0) {
        this.counters.falseSyncs++;
        return this.#rearm('false-sync');
      }
      if (need <= got + n) {
        this.chip.readSignal();
        this.packetLength = need;
        this.counters.packets++;
        this.counters.salvaged++;
        const outcome = this.#rearm('packet');
        this.#countDeafness();
        return outcome;
      }
    }
    this.counters.overflows++;
    return this.#rearm('overflow');
  }

  /**
   * The watchdog: anything but RX (or calibrating into it) is re-armed; a PLL that lost its lock
   * (FSCAL1 = 0x3F) leaves the chip in RX but deaf, which only a new calibration mends.
   */
  checkHealth(): ServiceOutcome {
    const state = this.chip.marcState();
    if (state >= MARC.STARTCAL && state <= MARC.ENDCAL) return 'none';
    if (state === MARC.RX) return this.chip.pllLocked() ? 'none' : 'pll-unlocked';
    return this.#rearm('none');
  }

  #bucket(ms: number): number {
    let bucket = 0;
    while (ms > this.#gapBuckets[bucket]! && bucket < this.#gapBuckets.length - 1) bucket++;
    return bucket;
  }

  /** Counts how long the chip was deaf after the end of the packet just read (called right after SRX). */
  #countDeafness(): void {
    const deaf = this.#clock.now() - (this.syncTime + this.packetLength / this.#options.bytesPerMs);
    if (deaf > this.counters.maxDeafAfterPacketMs) this.counters.maxDeafAfterPacketMs = deaf;
    this.counters.deafAfterPacketHistogram[this.#bucket(deaf)]!++;
  }

  /** `listening`: the chip is back in RX (by default after a full re-arm that looks at its state first). */
  #rearm(outcome: ServiceOutcome, listening = this.chip.rearm()): ServiceOutcome {
    if (listening) return outcome;
    this.counters.rearmFailures++;
    return 'fault';
  }
}
