/** One input pin as the CC1101 driver sees it (GDO0/GDO2). GPIO is a hint: SPI status is the truth. */
export interface GpioLine {
  /** what a user reads in messages, e.g. "GPIO25 (sysfs 537)" */
  readonly name: string;
  read(): 0 | 1;
  /** called on both edges with the level read when the callback runs (onoff semantics) */
  watch(callback: (value: 0 | 1) => void): void;
  unwatch(): void;
  close(): void;
}

export class GpioUnavailableError extends Error {
  override name = 'GpioUnavailableError';
}
