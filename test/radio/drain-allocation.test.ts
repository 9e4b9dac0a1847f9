import { PerformanceObserver } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../drivers/clock.js';
import { Cc1101 } from '../../drivers/cc1101/cc1101.js';
import { PacketReceiver } from '../../drivers/cc1101/receiver.js';
import { BURST, FIFO, MARC, READ, STATUS, STROBE } from '../../drivers/cc1101/registers.js';
import type { SpiBus, SpiTransfer } from '../../drivers/spi/bus.js';

const PACKET = 200;

/**
 * A chip that fills its FIFO by a fixed step per RXBYTES read and answers every other access from
 * constants: it allocates nothing itself, so any heap growth is the driver's. (The register-level
 * simulator is no use here: its own bookkeeping allocates.)
 */
class FillingChip implements SpiBus {
  readonly device = 'filling chip';
  /** bytes of the current packet that entered the FIFO, and that were read */
  entered = 0;
  read = 0;
  /** 0: idle air (the FIFO stays empty) */
  stepBytes = 0;
  #state: number = MARC.RX;

  transfer(message: readonly SpiTransfer[]): void {
    for (let m = 0; m < message.length; m++) {
      const t = message[m]!;
      const header = t.tx[0]!;
      const address = header & 0x3f;
      if (t.length === 1) {
        if (address === STROBE.SIDLE || address === STROBE.SFRX) this.#state = MARC.IDLE;
        if (address === STROBE.SRX) this.#restart();
        continue;
      }
      if (address === FIFO && header & READ) {
        for (let i = 1; i < t.length; i++) t.rx[i] = this.read++ === 0 ? PACKET : 0x55;
      } else if (header === (READ | BURST | STATUS.RXBYTES)) {
        if (this.#state === MARC.RX && m === 0) this.entered = Math.min(PACKET, this.entered + this.stepBytes);
        t.rx[1] = this.entered - this.read;
      } else if (header === (READ | BURST | STATUS.MARCSTATE)) {
        t.rx[1] = this.#state;
      } else {
        t.rx[1] = 0;
      }
    }
  }

  #restart(): void {
    this.#state = MARC.RX;
    this.entered = 0;
    this.read = 0;
  }

  close(): void {}
}

/** Heap bytes one call of `fn` leaves behind, from a run of `count` calls in which no GC ran. */
function heapGrowthPerCall(fn: () => void, count: number): number {
  let gcs = 0;
  const observer = new PerformanceObserver((list) => (gcs += list.getEntries().length));
  observer.observe({ entryTypes: ['gc'] });
  try {
    for (let i = 0; i < count; i++) fn(); // optimised code first
    for (let attempt = 0; attempt < 5; attempt++) {
      const before = gcs;
      const heap = process.memoryUsage().heapUsed;
      for (let i = 0; i < count; i++) fn();
      const grown = process.memoryUsage().heapUsed - heap;
      if (gcs === before) return grown / count;
    }
    throw new Error('a GC ran during every measurement');
  } finally {
    observer.disconnect();
  }
}

describe('drain loop allocation (the FIFO lasts 5 ms: a GC pause in a packet costs it)', () => {
  function rig() {
    const clock = new VirtualClock(0);
    const bus = new FillingChip();
    const receiver = new PacketReceiver(new Cc1101(bus, clock), clock, {
      headBytes: 1,
      packetLength: (head) => head[0]!,
      bytesPerMs: 12.5,
    });
    return { bus, receiver };
  }

  it('allocates nothing per service of an empty FIFO', () => {
    const { receiver } = rig();
    // The smallest heap object is 16 bytes: one per service would show as 16 or more.
    expect(heapGrowthPerCall(() => receiver.serviceOnce(), 10_000)).toBeLessThan(1);
  });

  it('makes no object per FIFO look while a packet drains (at most a few boxed 16-byte times)', () => {
    const { bus, receiver } = rig();
    bus.stepBytes = 6;
    let packets = 0;
    const growthPerPacket = heapGrowthPerCall(() => {
      if (receiver.serviceOnce() === 'packet') packets++;
    }, 2_000);
    expect(packets).toBeGreaterThanOrEqual(4_000);
    expect(receiver.packetLength).toBe(PACKET);
    // A packet takes PACKET / stepBytes looks at RXBYTES. A time passed between functions that V8
    // did not inline is boxed (16 bytes); an array, subarray or message object is 40 bytes or more.
    const looks = PACKET / bus.stepBytes;
    expect(growthPerPacket / looks).toBeLessThan(40);
  });
});
