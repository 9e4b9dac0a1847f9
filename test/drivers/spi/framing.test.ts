import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../drivers/clock.js';
import { Cc1101, ChipError } from '../../../drivers/cc1101/cc1101.js';
import type { SpiBus, SpiTransfer } from '../../../drivers/spi/bus.js';
import { SpiUnavailableError, openSpidev } from '../../../drivers/spi/spidev.js';
import { rejection, thrownBy } from '../../support/errors.js';

/** A bus that records what the driver clocks out and answers from a script. */
class RecordingBus implements SpiBus {
  readonly device = '/dev/spidev9.9';
  readonly messages: { tx: number[]; csChange: boolean }[][] = [];
  readonly #answer: (header: number, index: number) => number;
  constructor(answer: (header: number, index: number) => number = () => 0) {
    this.#answer = answer;
  }
  transfer(message: readonly SpiTransfer[]): void {
    this.messages.push(
      message.map((t) => {
        for (let i = 0; i < t.length; i++) t.rx[i] = this.#answer(t.tx[0]!, i);
        return { tx: [...t.tx.subarray(0, t.length)], csChange: t.csChange === true };
      }),
    );
  }
  close(): void {}
}

describe('CC1101 SPI framing', () => {
  it('reads RXBYTES twice in one message with chip select released between, as the errata asks', () => {
    const bus = new RecordingBus((h, i) => (i === 1 && h === 0xfb ? 7 : 0x0f));
    expect(new Cc1101(bus, new VirtualClock()).rxBytes()).toBe(7);
    expect(bus.messages).toEqual([
      [
        { tx: [0xfb, 0], csChange: true },
        { tx: [0xfb, 0], csChange: false },
      ],
    ]);
  });

  it('keeps reading RXBYTES until two reads in one message agree', () => {
    let reads = 0;
    const bus = new RecordingBus((_h, i) => (i === 1 ? (reads++ < 3 ? reads : 9) : 0));
    expect(new Cc1101(bus, new VirtualClock()).rxBytes()).toBe(9);
    expect(bus.messages).toHaveLength(3); // the two reads of a message agree in the third
  });

  it('reads status registers with the burst bit: a plain 0xB0 would be the SRES strobe', () => {
    // PKTLEN (0x06) keeps what is written: the probe that tells a chip from a floating bus.
    let pktlen = 0;
    const bus = new RecordingBus((h, i) => (i === 1 ? (h === 0xf1 ? 0x14 : h === 0x86 ? pktlen : 0x00) : 0x0f));
    const write = bus.transfer.bind(bus);
    bus.transfer = (message) => {
      if (message[0]!.tx[0] === 0x06) pktlen = message[0]!.tx[1]!;
      write(message);
    };
    expect(new Cc1101(bus, new VirtualClock()).identify()).toEqual({ partnum: 0, version: 0x14 });
    expect(bus.messages.map((m) => m[0]!.tx[0])).toEqual([0xf0, 0xf1, 0x06, 0x86, 0x06, 0x86]);
  });

  it('reads n FIFO bytes as one burst 0xFF header + n clocks, and copies them out', () => {
    const bus = new RecordingBus((_h, i) => (i === 0 ? 0x1f : 0xa0 + i));
    const dest = new Uint8Array(8);
    new Cc1101(bus, new VirtualClock()).readFifo(3, dest, 2);
    expect(bus.messages[0]).toEqual([{ tx: [0xff, 0, 0, 0], csChange: false }]);
    expect([...dest]).toEqual([0, 0, 0xa1, 0xa2, 0xa3, 0, 0, 0]);
  });

  it('reads RSSI, LQI and FREQEST in one message with three chip-select runs', () => {
    const values: Record<number, number> = { 0xf4: 0x50, 0xf3: 0x85, 0xf2: 0xfe };
    const bus = new RecordingBus((h, i) => (i === 1 ? values[h]! : 0));
    const s = new Cc1101(bus, new VirtualClock()).readSignal();
    expect(bus.messages).toHaveLength(1);
    expect(bus.messages[0]!.map((t) => t.tx[0])).toEqual([0xf4, 0xf3, 0xf2]);
    expect(bus.messages[0]!.map((t) => t.csChange)).toEqual([true, true, false]);
    // datasheet: RSSI 0x50 = 80 -> 80/2 - 74 dBm; LQI without CRC_OK bit; FREQEST -2 * 26e6/2^14
    expect(s).toEqual({ rssi: 40 - 74, lqi: 5, freqOffsetHz: Math.round((-2 * 26e6) / 2 ** 14) });
  });

  it('writes the configuration in one burst from address 0 and checks it by reading it back', () => {
    const regs = new Uint8Array(47);
    const bus: SpiBus = {
      device: '/dev/spidev0.0',
      transfer(message) {
        const t = message[0]!;
        if (t.tx[0] === 0x40) regs.set(t.tx.subarray(1, t.length));
        else if (t.tx[0] === 0xc0)
          t.rx.set(
            regs.map((v, a) => (a === 0x0d ? v ^ 0x01 : v)),
            1,
          );
      },
      close() {},
    };
    const chip = new Cc1101(bus, new VirtualClock());
    thrownBy(
      () => chip.configure({ name: 'x', registers: Array.from({ length: 47 }, (_, a) => a), bytesPerMs: 12.5 }),
      ChipError,
      /did not keep register 0xd .*check the MOSI wire/,
      { fault: 'readback' },
    );
  });
});

describe('spidev binding', () => {
  it('says how to enable SPI when the device node is missing', async () => {
    await rejection(
      openSpidev({ bus: 7, device: 3 }),
      SpiUnavailableError,
      /^\/dev\/spidev7\.3 does not exist: enable SPI \(dtparam=spi=on/,
    );
  });
});
