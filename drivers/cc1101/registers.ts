/**
 * CC1101 register map, strobes and the receive profiles (datasheet SWRS061; values per the
 * project's radio notes §3-4). Pure data and arithmetic: both the driver and the simulator use it.
 */

export const XOSC_HZ = 26_000_000;

/** SPI header bits: bit 7 read, bit 6 burst, bits 5:0 address. */
export const READ = 0x80;
export const BURST = 0x40;

export const REG = {
  IOCFG2: 0x00,
  IOCFG1: 0x01,
  IOCFG0: 0x02,
  FIFOTHR: 0x03,
  SYNC1: 0x04,
  SYNC0: 0x05,
  PKTLEN: 0x06,
  PKTCTRL1: 0x07,
  PKTCTRL0: 0x08,
  ADDR: 0x09,
  CHANNR: 0x0a,
  FSCTRL1: 0x0b,
  FSCTRL0: 0x0c,
  FREQ2: 0x0d,
  FREQ1: 0x0e,
  FREQ0: 0x0f,
  MDMCFG4: 0x10,
  MDMCFG3: 0x11,
  MDMCFG2: 0x12,
  MDMCFG1: 0x13,
  MDMCFG0: 0x14,
  DEVIATN: 0x15,
  MCSM2: 0x16,
  MCSM1: 0x17,
  MCSM0: 0x18,
  FOCCFG: 0x19,
  BSCFG: 0x1a,
  AGCCTRL2: 0x1b,
  AGCCTRL1: 0x1c,
  AGCCTRL0: 0x1d,
  WOREVT1: 0x1e,
  WOREVT0: 0x1f,
  WORCTRL: 0x20,
  FREND1: 0x21,
  FREND0: 0x22,
  FSCAL3: 0x23,
  FSCAL2: 0x24,
  FSCAL1: 0x25,
  FSCAL0: 0x26,
  RCCTRL1: 0x27,
  RCCTRL0: 0x28,
  FSTEST: 0x29,
  PTEST: 0x2a,
  AGCTEST: 0x2b,
  TEST2: 0x2c,
  TEST1: 0x2d,
  TEST0: 0x2e,
} as const;

/** Number of configuration registers (0x00-0x2E), written in one burst. */
export const CONFIG_REGISTERS = 0x2f;

export const STROBE = {
  SRES: 0x30,
  SFSTXON: 0x31,
  SXOFF: 0x32,
  SCAL: 0x33,
  SRX: 0x34,
  STX: 0x35,
  SIDLE: 0x36,
  SWOR: 0x38,
  SPWD: 0x39,
  SFRX: 0x3a,
  SFTX: 0x3b,
  SWORRST: 0x3c,
  SNOP: 0x3d,
} as const;

/** Status registers: same addresses as the strobes, so they must be read with the burst bit. */
export const STATUS = {
  PARTNUM: 0x30,
  VERSION: 0x31,
  FREQEST: 0x32,
  LQI: 0x33,
  RSSI: 0x34,
  MARCSTATE: 0x35,
  WORTIME1: 0x36,
  WORTIME0: 0x37,
  PKTSTATUS: 0x38,
  VCO_VC_DAC: 0x39,
  TXBYTES: 0x3a,
  RXBYTES: 0x3b,
  RCCTRL1_STATUS: 0x3c,
  RCCTRL0_STATUS: 0x3d,
} as const;

export const PATABLE = 0x3e;
export const FIFO = 0x3f;

export const MARC = {
  SLEEP: 0x00,
  IDLE: 0x01,
  XOFF: 0x02,
  MANCAL: 0x05,
  STARTCAL: 0x08,
  ENDCAL: 0x0c,
  RX: 0x0d,
  RX_END: 0x0e,
  RXFIFO_OVERFLOW: 0x11,
} as const;

/** STATE field (bits 6:4) of the chip status byte. */
export const CHIP_STATE = {
  IDLE: 0,
  RX: 1,
  TX: 2,
  FSTXON: 3,
  CALIBRATE: 4,
  SETTLING: 5,
  RXFIFO_OVERFLOW: 6,
  TXFIFO_UNDERFLOW: 7,
} as const;

export const RXBYTES_OVERFLOW = 0x80;
export const RXBYTES_COUNT = 0x7f;
/** PKTSTATUS: sync word found (SFD) and carrier sense */
export const PKTSTATUS_SFD = 0x08;
export const PKTSTATUS_CS = 0x40;
export const FIFO_SIZE = 64;

export const PARTNUM_CC1101 = 0x00;
/**
 * VERSION of TI silicon: 0x14 current, 0x04 older. Modules sold as CC1101 also report 0x17, 0x03
 * or other values (clones, or relabelled CC1100s); they are used with a warning, since the
 * register write/read-back, not the version, proves that a chip is there.
 */
export const TI_VERSIONS: readonly number[] = [0x14, 0x04];

/** FSCAL1 after a calibration that found no VCO setting: the PLL has no lock (culfw checks this). */
export const FSCAL1_NO_LOCK = 0x3f;

/** GDOx_CFG 0x2F drives the pin low ("HW to 0"); with GDOx_INV (bit 6) it drives it high (Table 41). */
export const GDO_CFG_LOW = 0x2f;
export const GDO_INV = 0x40;

/** Register values after SRES/power-on (datasheet Table 36): what a chip nobody configured does. */
export const RESET_VALUES: readonly number[] = [
  0x29, 0x2e, 0x3f, 0x07, 0xd3, 0x91, 0xff, 0x04, 0x45, 0x00, 0x00, 0x0f, 0x00, 0x1e, 0xc4, 0xec, 0x8c, 0x22, 0x02, 0x22, 0xf8, 0x47, 0x07,
  0x30, 0x04, 0x36, 0x6c, 0x03, 0x40, 0x91, 0x87, 0x6b, 0xf8, 0x56, 0x10, 0xa9, 0x0a, 0x20, 0x0d, 0x41, 0x00, 0x59, 0x7f, 0x3f, 0x88, 0x31,
  0x0b,
];

/** A complete register image 0x00-0x2E for one way of listening. */
export interface RadioProfile {
  name: string;
  registers: readonly number[];
  /** FIFO bytes per ms at the nominal chip rate (8 chips per byte) */
  bytesPerMs: number;
}

/**
 * T1 + C1 at 868.95 MHz, one configuration for both (radio notes §4, "Proposed"): 103 kBaud
 * 2-FSK, 325 kHz filter, 16/16 sync 0x543D with carrier sense, infinite packet length kept for
 * the whole packet (the driver counts bytes), GDO2 = sync..end of packet, GDO0 = FIFO >= 8 bytes.
 * MCSM0 0x08: no autocalibration (FS_AUTOCAL = 0), so a re-arm after each packet reaches RX in 75 us
 * instead of 799 us (datasheet Table 34); the radio loop calibrates with SCAL instead (radio notes §3).
 */
export const T1C1_PROFILE: RadioProfile = {
  name: 'T1+C1 868.95 MHz',
  registers: [
    0x06, 0x2e, 0x00, 0x01, 0x54, 0x3d, 0xff, 0x00, 0x02, 0x00, 0x00, 0x08, 0x00, 0x21, 0x6b, 0xd0, 0x5c, 0x04, 0x06, 0x22, 0xf8, 0x44,
    0x07, 0x00, 0x08, 0x2e, 0xbf, 0x43, 0x09, 0xb5, 0x87, 0x6b, 0xfb, 0xb6, 0x10, 0xea, 0x2a, 0x00, 0x1f, 0x41, 0x00, 0x59, 0x7f, 0x3f,
    0x81, 0x35, 0x09,
  ],
  bytesPerMs: 12.5,
};

/** S1 at 868.30 MHz (culfw deltas): 32.768 kchip/s Manchester decoded in software, sync 0x7696. */
export const S1_PROFILE: RadioProfile = {
  name: 'S1 868.30 MHz',
  registers: T1C1_PROFILE.registers.map((v, addr) => {
    const deltas: Record<number, number> = {
      [REG.SYNC1]: 0x76,
      [REG.SYNC0]: 0x96,
      [REG.FREQ2]: 0x21,
      [REG.FREQ1]: 0x65,
      [REG.FREQ0]: 0x6a,
      [REG.MDMCFG4]: 0x6a,
      [REG.MDMCFG3]: 0x4a,
      [REG.MDMCFG2]: 0x06,
      [REG.DEVIATN]: 0x47,
      [REG.BSCFG]: 0x6d,
      [REG.AGCCTRL2]: 0x04,
      [REG.AGCCTRL0]: 0xb2,
    };
    return deltas[addr] ?? v;
  }),
  bytesPerMs: 32_768 / 8 / 1000,
};

/** Carrier frequency in Hz programmed by FREQ2..0 (+ channel, + FSCTRL0 trim). */
export function carrierHz(regs: ArrayLike<number>): number {
  const freq = (regs[REG.FREQ2]! << 16) | (regs[REG.FREQ1]! << 8) | regs[REG.FREQ0]!;
  const chanspcE = regs[REG.MDMCFG1]! & 0x03;
  const chanspcM = regs[REG.MDMCFG0]!;
  const spacing = (XOSC_HZ / 2 ** 18) * (256 + chanspcM) * 2 ** chanspcE;
  return (freq * XOSC_HZ) / 2 ** 16 + regs[REG.CHANNR]! * spacing + toInt8(regs[REG.FSCTRL0]!) * FREQ_STEP_HZ;
}

/** Data rate in baud from MDMCFG4/3. */
export function dataRateBaud(regs: ArrayLike<number>): number {
  const e = regs[REG.MDMCFG4]! & 0x0f;
  const m = regs[REG.MDMCFG3]!;
  return ((256 + m) * 2 ** e * XOSC_HZ) / 2 ** 28;
}

/** Receive filter bandwidth in Hz from MDMCFG4. */
export function channelBandwidthHz(regs: ArrayLike<number>): number {
  const e = (regs[REG.MDMCFG4]! >> 6) & 0x03;
  const m = (regs[REG.MDMCFG4]! >> 4) & 0x03;
  return XOSC_HZ / (8 * (4 + m) * 2 ** e);
}

/** Resolution of FREQEST and FSCTRL0: f_xosc / 2^14. */
export const FREQ_STEP_HZ = XOSC_HZ / 2 ** 14;

/** RSSI offset at 868 MHz (datasheet Table 31). */
export const RSSI_OFFSET_DB = 74;

export function toInt8(v: number): number {
  return v >= 128 ? v - 256 : v;
}

export function rssiDbm(register: number): number {
  return toInt8(register) / 2 - RSSI_OFFSET_DB;
}

export function rssiRegister(dbm: number): number {
  return Math.max(-128, Math.min(127, Math.round((dbm + RSSI_OFFSET_DB) * 2))) & 0xff;
}

export function freqOffsetHz(freqest: number): number {
  return Math.round(toInt8(freqest) * FREQ_STEP_HZ);
}

/** RX FIFO threshold in bytes for FIFOTHR (bits 3:0 = n -> 4(n+1)). */
export function rxThreshold(fifothr: number): number {
  return 4 * ((fifothr & 0x0f) + 1);
}
