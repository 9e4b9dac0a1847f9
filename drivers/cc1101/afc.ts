import { FREQ_STEP_HZ, toInt8 } from './registers.js';

export interface FrequencyTrimOptions {
  /** weight of the newest frame in the running average */
  alpha?: number;
  /** correct only when the average offset is larger than this */
  thresholdHz?: number;
  /** frames to average before the first correction */
  minFrames?: number;
}

/**
 * Software AFC: a running average of FREQEST over good frames, moved into FSCTRL0 when it is
 * large. FREQEST is measured against the trimmed synthesizer, so corrections accumulate.
 * Cheap modules are often 50-60 kHz off; the receive filter tolerates about +-80 kHz.
 */
export class FrequencyTrim {
  #average = 0;
  #frames = 0;
  readonly #alpha: number;
  readonly #thresholdHz: number;
  readonly #minFrames: number;

  constructor(
    /** current FSCTRL0 value (two's complement byte) */
    public fsctrl0 = 0,
    options: FrequencyTrimOptions = {},
  ) {
    this.#alpha = options.alpha ?? 0.2;
    this.#thresholdHz = options.thresholdHz ?? 10_000;
    this.#minFrames = options.minFrames ?? 5;
  }

  /** Feeds one good frame's offset; returns the new FSCTRL0 when a correction is due. */
  observe(freqOffsetHz: number): number | undefined {
    this.#average = this.#frames === 0 ? freqOffsetHz : this.#average + this.#alpha * (freqOffsetHz - this.#average);
    this.#frames++;
    if (this.#frames < this.#minFrames || Math.abs(this.#average) <= this.#thresholdHz) return undefined;
    const next = Math.max(-128, Math.min(127, toInt8(this.fsctrl0) + Math.round(this.#average / FREQ_STEP_HZ)));
    this.#average = 0;
    this.#frames = 0;
    if ((next & 0xff) === this.fsctrl0) return undefined;
    this.fsctrl0 = next & 0xff;
    return this.fsctrl0;
  }

  /** Trim in Hz currently applied. */
  get trimHz(): number {
    return toInt8(this.fsctrl0) * FREQ_STEP_HZ;
  }
}
