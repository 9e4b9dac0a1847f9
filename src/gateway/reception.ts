/**
 * What the gateway does with a frame once intake.ts has classified it: the counters and the
 * telegram log, the heard-nearby list, a claimed meter's status, and for an accepted telegram the
 * reading, its history and the 'reading' event. intake.ts decides; this carries the decision out.
 */
import type { GatewayStore } from '../store/store.js';
import type { StoredMeter } from '../store/state-doc.js';
import type { DecodeErrorInfo, DecodedTelegram } from '../wmbus/types.js';
import type { Intake, TimedFrame } from './intake.js';
import type { Logger } from '../model/log.js';
import { describeReading, replayMessage, statusOfError } from './meter-status.js';
import type { NearbyList } from './nearby.js';
import type { Traffic } from './traffic.js';
import type { MeterChange, MeterState, MeterView } from '../model/meter.js';
import type { Reading } from '../model/reading.js';

export interface ReceptionContext {
  store: GatewayStore;
  nearby: NearbyList;
  traffic: Traffic;
  log: Logger;
  clock: () => number;
  /** the newest reading of each claimed meter with its records, since start */
  liveRecords: Map<string, Reading>;
  view: (meter: StoredMeter) => MeterView;
  emitReading: (reading: Reading) => void;
  emitMeter: (change: MeterChange) => void;
}

export class Reception {
  readonly #c: ReceptionContext;
  #clockWarned = false;

  constructor(context: ReceptionContext) {
    this.#c = context;
  }

  /** Carries out what intake decided: counters, the telegram log, the meter's status, the reading. */
  act(frame: TimedFrame, intake: Intake): void {
    const { traffic } = this.#c;
    const { time, rssi } = frame;
    switch (intake.outcome) {
      case 'frame_error':
        return;
      case 'clock_unset':
        if (!this.#clockWarned) {
          this.#c.log.warn(`the system clock says ${new Date(time).toISOString()}: telegrams are ignored until the clock is set (NTP)`);
        }
        this.#clockWarned = true;
        return;
      case 'duplicate':
        traffic.counters.duplicates++;
        traffic.log({ time, rssi, outcome: 'duplicate', hex: intake.hex });
        return;
      case 'decode_error':
        this.#onDecodeError(intake.error, frame, intake.hex);
        return;
    }
    const t = intake.telegram;
    const logged = { time, id: t.id, manufacturer: t.manufacturer, rssi, hex: intake.hex };
    const meter = this.#c.store.state.meters[t.id];
    // intake answers replay or accepted only for a claimed meter, nearby for any other
    if (intake.outcome === 'nearby' || meter === undefined) {
      this.#c.nearby.heard(t.id, t, false, frame);
      traffic.log({ ...logged, outcome: 'nearby' });
      return;
    }
    if (intake.outcome === 'replay') {
      traffic.counters.replays++;
      this.#setStatus(meter, 'replay', replayMessage(meter, intake.counter, intake.lastCounter));
      traffic.log({ ...logged, outcome: 'replay' });
      return;
    }
    if (t.security.mode === 7 && t.security.counter !== undefined) meter.lastCounter = t.security.counter;
    this.#accept(meter, t, intake.reading);
    traffic.log({ ...logged, outcome: 'accepted' });
  }

  /** A frame's frame-core error: counted and logged (nothing names a meter yet). */
  frameError(time: number, rssi: number | undefined, code: string, message: string): void {
    this.#c.traffic.counters.frameErrors++;
    this.#c.traffic.log({ time, rssi, outcome: 'frame_error', error: { code, message } });
  }

  #onDecodeError(error: DecodeErrorInfo, frame: TimedFrame, hex: string): void {
    this.#c.traffic.countDecodeError(error.code);
    const { time, rssi } = frame;
    const { id, manufacturer } = error;
    this.#c.traffic.log({
      time,
      id,
      manufacturer,
      rssi,
      outcome: 'decode_error',
      error: { code: error.code, message: error.message },
      hex,
    });
    if (id === undefined) return;
    const meter = this.#c.store.state.meters[id];
    if (meter) {
      const status = statusOfError(meter, error);
      if (status) this.#setStatus(meter, status.state, status.message);
      return;
    }
    if (manufacturer !== undefined) {
      const encrypted = error.code === 'NO_KEY' || error.code === 'WRONG_KEY' || error.code === 'MAC_MISMATCH';
      const header = { manufacturer, medium: error.medium ?? 'unknown', deviceType: error.deviceType };
      this.#c.nearby.heard(id, header, encrypted, frame);
    }
  }

  #accept(meter: StoredMeter, t: DecodedTelegram, reading: Reading): void {
    const { store, log } = this.#c;
    this.#c.liveRecords.set(meter.id, { ...reading, records: t.records });
    this.#c.traffic.counters.readings++;
    const history = store.addReading(reading);
    const resets = store.state.series[meter.id]?.resets ?? [];
    for (const register of history.resets) {
      const r = resets.findLast((x) => x.register === register);
      const change = r ? ` went back from ${r.from} to ${r.to}` : ' went back';
      log.warn(
        `meter ${meter.id} (${meter.name}): ${register}${change} (meter replaced or reset?): a new series starts, no negative consumption is recorded`,
      );
    }
    this.#setStatus(meter, 'ok', undefined);
    log.info(describeReading(meter, reading));
    this.#c.emitReading({ ...reading, records: t.records });
  }

  #setStatus(meter: StoredMeter, state: MeterState, message: string | undefined): void {
    if (meter.status.state === state && meter.status.message === message) return;
    const was = meter.status.state;
    meter.status = { state, since: this.#c.clock(), ...(message ? { message } : {}) };
    this.#c.store.touch();
    if (state === 'ok') {
      if (was !== 'waiting' && was !== 'ok') this.#c.log.info(`meter ${meter.id} (${meter.name}): telegrams decode again`);
    } else if (message) {
      this.#c.log.warn(message);
    }
    this.#c.emitMeter({ change: 'status', id: meter.id, meter: this.#c.view(meter) });
  }
}
