import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { GpioUnavailableError } from './line.js';

export const SYSFS_GPIO_ROOT = '/sys/class/gpio';

/** Labels of the chips whose lines are the 40-pin header's BCM GPIOs (Pi 1-4, Pi 5). */
const HEADER_CHIP_LABELS = ['pinctrl-bcm2711', 'pinctrl-bcm2835', 'pinctrl-rp1'];

export interface GpioChipInfo {
  label: string;
  base: number;
  ngpio: number;
}

function readChip(dir: string): GpioChipInfo | undefined {
  try {
    const read = (f: string) => readFileSync(path.join(dir, f), 'utf8').trim();
    const base = Number.parseInt(read('base'), 10);
    const ngpio = Number.parseInt(read('ngpio'), 10);
    if (!Number.isInteger(base) || !Number.isInteger(ngpio)) return undefined;
    return { label: read('label'), base, ngpio };
  } catch {
    return undefined;
  }
}

/**
 * The header GPIO chip. Kernels from 6.6 number sysfs GPIOs from a chip base (512 on a Pi 4,
 * 571 on a Pi 5) rather than from 0, and the base has moved between kernel versions, so it is
 * read rather than assumed.
 */
export function findHeaderGpioChip(root: string = SYSFS_GPIO_ROOT): GpioChipInfo {
  let entries: string[];
  try {
    entries = readdirSync(root).filter((e) => e.startsWith('gpiochip'));
  } catch {
    throw new GpioUnavailableError(
      `${root} is not readable: this system has no sysfs GPIO; leave the GDO pins unset to poll the CC1101 over SPI`,
    );
  }
  const chips = entries.map((e) => readChip(path.join(root, e))).filter((c): c is GpioChipInfo => c !== undefined);
  for (const label of HEADER_CHIP_LABELS) {
    const chip = chips.find((c) => c.label === label);
    if (chip) return chip;
  }
  const seen = chips.map((c) => `${c.label}@${c.base}`).join(', ') || 'none';
  throw new GpioUnavailableError(
    `no Raspberry Pi header GPIO chip (${HEADER_CHIP_LABELS.join(', ')}) under ${root} (found: ${seen}); ` +
      'leave the GDO pins unset to poll the CC1101 over SPI',
  );
}

/** sysfs number of a BCM pin: chip base + BCM number, checked against the chip's size. */
export function sysfsGpioNumber(bcmPin: number, chip: GpioChipInfo): number {
  if (!Number.isInteger(bcmPin) || bcmPin < 0 || bcmPin >= chip.ngpio) {
    throw new GpioUnavailableError(`BCM pin ${bcmPin} is not on ${chip.label} (it has ${chip.ngpio} lines)`);
  }
  return chip.base + bcmPin;
}
