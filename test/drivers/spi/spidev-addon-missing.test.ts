import { describe, expect, it, vi } from 'vitest';

// The Pi's side of the story: SPI is enabled (the device node exists) but the spi-device addon
// did not install or build. Both are replaced here because neither exists on a test machine.
vi.mock('node:fs', async (importOriginal) => ({ ...(await importOriginal<typeof import('node:fs')>()), existsSync: () => true }));
vi.mock('spi-device', () => {
  throw new Error("Cannot find module 'spi-device'\nRequire stack: ...");
});

const { openSpidev } = await import('../../../drivers/spi/spidev.js');

describe('spidev binding without its addon', () => {
  it('names the addon, the reason and the commands that work, and no option that does not exist', async () => {
    const err = await openSpidev({ bus: 0, device: 0 }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    const message = (err as Error).message;
    expect(message).toMatch(/^the optional dependency spi-device is not installed or did not build \(.+\): /);
    expect(message).toContain('npm rebuild spi-device');
    expect(message).not.toContain('\n');
    // `--radio sim` alone is refused by listen (it needs --sim FILE) and unknown to run.
    expect(message).not.toMatch(/--radio sim/);
  });
});
