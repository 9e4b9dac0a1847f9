import { type GpioLine, GpioUnavailableError } from './line.js';
import { SYSFS_GPIO_ROOT, findHeaderGpioChip, sysfsGpioNumber } from './sysfs-base.js';

interface OnoffGpio {
  readSync(): 0 | 1;
  watch(cb: (err: Error | null | undefined, value: 0 | 1) => void): void;
  unwatchAll(): void;
  unexport(): void;
}
type OnoffGpioClass = new (gpio: number, direction: 'in', edge: 'both') => OnoffGpio;

async function loadOnoff(): Promise<OnoffGpioClass> {
  try {
    const mod = (await import('onoff')) as unknown as { Gpio?: OnoffGpioClass; default?: { Gpio: OnoffGpioClass } };
    return mod.Gpio ?? mod.default!.Gpio;
  } catch (err) {
    throw new GpioUnavailableError(
      'the optional dependency onoff is not installed or its epoll addon did not build ' +
        `(${(err as Error).message.split('\n')[0]}): run \`npm install onoff\` on the Pi ` +
        '(`npm rebuild epoll` when Node.js was upgraded since), ' +
        'or leave the GDO pins unset to poll the CC1101 over SPI',
    );
  }
}

/**
 * A GDO pin through onoff (sysfs + epoll). onoff delivers interrupts on the main thread's event
 * loop only, which is why the radio runs in its own process.
 */
export async function openOnoffLine(bcmPin: number, options: { sysfsRoot?: string } = {}): Promise<GpioLine> {
  const chip = findHeaderGpioChip(options.sysfsRoot ?? SYSFS_GPIO_ROOT);
  const number = sysfsGpioNumber(bcmPin, chip);
  const Gpio = await loadOnoff();
  const name = `GPIO${bcmPin} (sysfs ${number} on ${chip.label})`;
  let gpio: OnoffGpio;
  try {
    gpio = new Gpio(number, 'in', 'both');
  } catch (err) {
    throw new GpioUnavailableError(`cannot export ${name}: ${(err as Error).message} (run as root or in the gpio group)`);
  }
  return {
    name,
    read: () => gpio.readSync(),
    watch: (callback) =>
      gpio.watch((err, value) => {
        if (!err) callback(value);
      }),
    unwatch: () => gpio.unwatchAll(),
    close: () => {
      gpio.unwatchAll();
      gpio.unexport();
    },
  };
}
