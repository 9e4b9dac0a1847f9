import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openOnoffLine } from '../../../drivers/gpio/onoff.js';
import { findHeaderGpioChip, sysfsGpioNumber } from '../../../drivers/gpio/sysfs-base.js';
import { GpioUnavailableError } from '../../../drivers/gpio/line.js';
import { rejection, thrownBy } from '../../support/errors.js';

const roots: string[] = [];
afterEach(async () => {
  for (const r of roots.splice(0)) await rm(r, { recursive: true, force: true });
});

/** A /sys/class/gpio lookalike with the given chips. */
async function fakeSysfs(chips: { label: string; base: number; ngpio: number }[]): Promise<string> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'gpio-'));
  roots.push(root);
  for (const c of chips) {
    const dir = path.join(root, `gpiochip${c.base}`);
    await mkdir(dir);
    await writeFile(path.join(dir, 'label'), `${c.label}\n`);
    await writeFile(path.join(dir, 'base'), `${c.base}\n`);
    await writeFile(path.join(dir, 'ngpio'), `${c.ngpio}\n`);
  }
  await writeFile(path.join(root, 'export'), '');
  return root;
}

describe('sysfs GPIO numbering', () => {
  it('Pi 4 on kernel 6.6+: header chip at 512, the firmware expander ignored, BCM 25 -> 537', async () => {
    const root = await fakeSysfs([
      { label: 'raspberrypi-exp-gpio', base: 570, ngpio: 8 },
      { label: 'pinctrl-bcm2711', base: 512, ngpio: 58 },
    ]);
    const chip = findHeaderGpioChip(root);
    expect(chip).toEqual({ label: 'pinctrl-bcm2711', base: 512, ngpio: 58 });
    expect(sysfsGpioNumber(25, chip)).toBe(537);
  });

  it('Pi 5 (rp1 at 571) and an old kernel numbering from 0', async () => {
    expect(sysfsGpioNumber(24, findHeaderGpioChip(await fakeSysfs([{ label: 'pinctrl-rp1', base: 571, ngpio: 54 }])))).toBe(595);
    expect(sysfsGpioNumber(24, findHeaderGpioChip(await fakeSysfs([{ label: 'pinctrl-bcm2835', base: 0, ngpio: 54 }])))).toBe(24);
  });

  it('refuses a pin the chip does not have', async () => {
    const chip = findHeaderGpioChip(await fakeSysfs([{ label: 'pinctrl-bcm2711', base: 512, ngpio: 58 }]));
    thrownBy(() => sysfsGpioNumber(58, chip), GpioUnavailableError, /^BCM pin 58 is not on pinctrl-bcm2711/);
  });

  it('names what it found and suggests SPI polling when no header chip is there', async () => {
    const root = await fakeSysfs([{ label: 'gpio-mockup', base: 100, ngpio: 8 }]);
    thrownBy(() => findHeaderGpioChip(root), GpioUnavailableError, /found: gpio-mockup@100.*poll the CC1101 over SPI/);
    thrownBy(() => findHeaderGpioChip(path.join(root, 'missing')), GpioUnavailableError, /no sysfs GPIO/);
  });

  it('opening a line resolves the number before touching onoff', async () => {
    const root = await fakeSysfs([{ label: 'pinctrl-bcm2711', base: 512, ngpio: 58 }]);
    await rejection(
      openOnoffLine(60, { sysfsRoot: root }),
      GpioUnavailableError,
      /^BCM pin 60 is not on pinctrl-bcm2711 \(it has 58 lines\)$/,
    );
  });
});
