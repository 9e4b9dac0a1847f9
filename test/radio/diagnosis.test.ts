import { describe, expect, it } from 'vitest';
import { type DoctorMeasurements, diagnose } from '../../src/radio/diagnosis.js';

/** A healthy CC1101 that heard two meters: every check passes. */
function healthy(): DoctorMeasurements {
  return {
    radio: 'cc1101',
    spi: { device: '/dev/spidev0.0', exists: true, access: 'mode 660' },
    addons: [{ name: 'spi-device', loaded: true }],
    chip: { partnum: 0, version: 0x14 },
    readback: { ok: true },
    pllLocked: true,
    gdo: [{ name: 'GDO2', bcm: 25, follows: true }],
    rxReached: true,
    noiseDbm: [-104, -103, -101, -102],
    seconds: 30,
    meters: [{ id: 'KAM-12345678', mode: 'C1A', frames: 3, rssi: [-70, -71, -69], freqOffsetHz: [3000, 3100, 2900] }],
    syncs: 3,
    falseSyncs: 0,
    crcFailures: 0,
    overflows: 0,
    salvaged: 0,
    timeouts: 0,
    maxServiceGapMs: 1.2,
    serviceGapHistogram: [10, 5, 1, 0, 0, 0, 0],
    maxDeafAfterPacketMs: 0.3,
    deafAfterPacketHistogram: [3, 0, 0, 0, 0, 0, 0],
    maxFifoLevel: 20,
    realtime: { requested: true, inEffect: true, detail: 'SCHED_FIFO priority 20 (chrt)' },
  };
}

const line = (d: ReturnType<typeof diagnose>, check: string) => d.checks.find((c) => c.check === check);

describe('doctor diagnosis', () => {
  it('says usable with no warning when every check passes, with the noise floor and the meters heard', () => {
    const d = diagnose(healthy());
    expect(d.usable).toBe(true);
    expect(d.verdict).toBe('the radio is usable');
    expect(d.checks.filter((c) => c.status !== 'ok')).toEqual([]);
    expect(line(d, 'noise floor')!.detail).toMatch(/RSSI min -104 \/ median -102.5 \/ max -101 dBm/);
    expect(line(d, 'telegrams')!.detail).toMatch(/KAM-12345678 C1A x3 RSSI -70 dBm offset 3.0 kHz/);
    expect(line(d, 'service gaps')!.detail).toMatch(/0-0.5 ms: 10, 0.5-1 ms: 5, 1-2 ms: 1/);
    expect(line(d, 'deaf after telegrams')!.detail).toMatch(/^longest 0.30 ms .*; 0-0.5 ms: 3, 0.5-1 ms: 0/);
  });

  it('an absent chip: not usable, and the words are wiring and SPI', () => {
    const m = healthy();
    delete m.chip;
    m.chipError = {
      fault: 'absent',
      message: 'no CC1101 answered on /dev/spidev0.0: check wiring and that SPI is enabled (every read gave 0xff)',
    };
    delete m.readback;
    delete m.pllLocked;
    delete m.rxReached;
    m.gdo = [{ name: 'GDO2', bcm: 25 }];
    const d = diagnose(m);
    expect(d.usable).toBe(false);
    expect(d.verdict).toBe('the radio is not usable: chip identity');
    expect(line(d, 'chip identity')!.detail).toMatch(/wiring.*SPI/);
    expect(line(d, 'PLL lock')!.status).toBe('skip');
  });

  it('a clone: usable with a warning that names its VERSION', () => {
    const m = healthy();
    m.chip = { partnum: 0, version: 0x17, warning: "reports VERSION 0x17, not TI's 0x14 or 0x04: probably a clone" };
    const d = diagnose(m);
    expect(d.usable).toBe(true);
    expect(line(d, 'chip identity')).toMatchObject({ status: 'warn', detail: expect.stringContaining('VERSION 0x17') });
    expect(d.verdict).toBe('the radio is usable, with warnings: chip identity');
  });

  it('an unwired GDO2: usable (it polls), the warning names GDO2 and the BCM pin', () => {
    const m = healthy();
    m.gdo = [{ name: 'GDO2', bcm: 25, follows: false }];
    const d = diagnose(m);
    expect(d.usable).toBe(true);
    expect(line(d, 'GDO2 wiring')).toMatchObject({
      status: 'warn',
      detail: expect.stringMatching(/BCM pin 25 does not follow GDO2.*polls over SPI/),
    });
  });

  it('an unlocked PLL: not usable, and it says PLL and lock', () => {
    const m = healthy();
    m.pllLocked = false;
    delete m.rxReached;
    const d = diagnose(m);
    expect(d.usable).toBe(false);
    expect(line(d, 'PLL lock')!.detail).toMatch(/PLL does not lock/);
  });

  it('a missing SPI node or addon fails with what to do; no telegram, a high floor, overflows and no real-time warn', () => {
    const missing = healthy();
    missing.spi = { device: '/dev/spidev0.0', exists: false };
    missing.addons = [{ name: 'spi-device', loaded: false, error: 'Cannot find module' }];
    const bad = diagnose(missing);
    expect(bad.usable).toBe(false);
    expect(line(bad, 'SPI device')!.detail).toMatch(/dtparam=spi=on/);
    expect(line(bad, 'addon spi-device')!.detail).toMatch(/npm rebuild spi-device/);
    const weak = healthy();
    weak.meters = [];
    weak.noiseDbm = [-80, -85, -88];
    weak.overflows = 2;
    weak.maxServiceGapMs = 6.5;
    weak.maxDeafAfterPacketMs = 3.5;
    weak.realtime = { requested: true, inEffect: false, detail: 'not in effect (SCHED_OTHER): grant CAP_SYS_NICE' };
    const d = diagnose(weak);
    expect(d.usable).toBe(true);
    expect(d.checks.filter((c) => c.status === 'warn').map((c) => c.check)).toEqual([
      'noise floor',
      'telegrams',
      'service gaps',
      'deaf after telegrams',
      'overflows',
      'real-time scheduling',
    ]);
    expect(line(d, 'noise floor')!.detail).toMatch(/median -85 .*high; move the antenna/);
  });
});
