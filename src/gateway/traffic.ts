/**
 * What the radio brought: frame and outcome counters, frames per minute, the last frames heard and
 * the radio process's own counters. Listeners hear of frame counters at most once a second.
 */
import type { ErrorCode } from '../wmbus/types.js';
import type { GatewayCounters, RadioCounters, RadioStatsView, TelegramEvent } from '../model/status.js';

const TELEGRAM_LOG = 200;

export interface TrafficEvents {
  radio: () => void;
  telegram: (event: TelegramEvent) => void;
}

export class Traffic {
  readonly counters: GatewayCounters = {
    frames: 0,
    frameErrors: 0,
    readings: 0,
    duplicates: 0,
    replays: 0,
    decodeErrors: {},
    framesPerMinute: 0,
  };
  radio: RadioCounters | undefined;
  readonly #frameTimes: number[] = [];
  readonly #telegramLog: TelegramEvent[] = [];
  readonly #clock: () => number;
  readonly #events: TrafficEvents;
  #radioEventAt = 0;

  constructor(clock: () => number, events: TrafficEvents) {
    this.#clock = clock;
    this.#events = events;
  }

  countFrame(time: number): void {
    this.counters.frames++;
    this.counters.lastFrameAt = time;
    this.#frameTimes.push(time);
    while (this.#frameTimes.length > 0 && this.#frameTimes[0]! <= time - 60_000) this.#frameTimes.shift();
    this.counters.framesPerMinute = this.#frameTimes.length;
    this.#announce(false);
  }

  countDecodeError(code: ErrorCode): void {
    this.counters.decodeErrors[code] = (this.counters.decodeErrors[code] ?? 0) + 1;
  }

  setRadio(s: RadioCounters): void {
    this.radio = { ...s };
    this.#announce(true);
  }

  log(e: TelegramEvent): void {
    this.#telegramLog.push(e);
    if (this.#telegramLog.length > TELEGRAM_LOG) this.#telegramLog.shift();
    this.#events.telegram(e);
  }

  /** The last frames received, oldest first. */
  recent(): TelegramEvent[] {
    return [...this.#telegramLog];
  }

  view(rssi: Record<string, number>): RadioStatsView {
    const view: RadioStatsView = { gateway: { ...this.counters, decodeErrors: { ...this.counters.decodeErrors } }, rssi };
    if (this.radio) view.radio = { ...this.radio };
    return view;
  }

  // Frame counters change with every frame; listeners hear about it at most once a second.
  #announce(force: boolean): void {
    const now = this.#clock();
    if (!force && now - this.#radioEventAt < 1000) return;
    this.#radioEventAt = now;
    this.#events.radio();
  }
}
