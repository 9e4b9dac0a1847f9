/**
 * What a user asks of claimed meters: claim, rename, set or remove the key, remove. Each checks its
 * input (a GatewayInputError says what to type instead), changes the state and the key file, and
 * writes the store before it answers.
 */
import { type GatewayStore, StoreWriteError } from '../store/store.js';
import type { StoredMeter } from '../store/state-doc.js';
import { KeyFormatError, type KeyStore, normaliseKey } from '../store/keys.js';
import type { TimedFrame } from './intake.js';
import type { Logger } from '../model/log.js';
import type { NearbyList } from './nearby.js';
import type { MeterChange, MeterView } from '../model/meter.js';

const NAME_MAX = 64;

/** A request that cannot be carried out as asked; the message is for the user. Nothing changed. */
export class GatewayInputError extends Error {
  override name = 'GatewayInputError';
}

/** A request about a meter that is not claimed. */
export class UnknownMeterError extends GatewayInputError {
  override name = 'UnknownMeterError';
}

export interface ClaimRequest {
  id: string;
  name?: string | undefined;
  /** 32 hex digits; absent for an unencrypted meter */
  key?: string | undefined;
}

/** What the commands act through; the gateway hands over its own parts. */
export interface CommandContext {
  store: GatewayStore;
  keys: KeyStore;
  nearby: NearbyList;
  log: Logger;
  clock: () => number;
  emit: (change: MeterChange) => void;
  view: (meter: StoredMeter) => MeterView;
  /** takes a telegram heard before the claim in again, so the new meter shows a reading at once */
  replay: (frame: TimedFrame) => void;
  /** the meter's live reading (with records) is no longer shown */
  forgetLive: (id: string) => void;
  flush: () => Promise<unknown>;
}

export class MeterCommands {
  readonly #c: CommandContext;

  constructor(context: CommandContext) {
    this.#c = context;
  }

  /** Claims a meter (with its key when it encrypts) and writes the store before returning. */
  async claim(req: ClaimRequest): Promise<MeterView> {
    const { store, keys, nearby, clock } = this.#c;
    const id = checkId(req.id);
    if (store.state.meters[id]) throw new GatewayInputError(`meter ${id} is already claimed: rename it or set its key instead`);
    const name = checkName(req.name, id);
    const key = req.key === undefined || req.key === '' ? undefined : checkKey(req.key);
    if (key) await keys.set(id, key);
    const heard = nearby.get(id);
    const meter: StoredMeter = { id, name, claimedAt: clock(), status: { state: 'waiting', since: clock() }, telegrams: 0 };
    if (heard) {
      meter.manufacturer = heard.manufacturer;
      meter.medium = heard.medium;
      if (heard.deviceType !== undefined) meter.deviceType = heard.deviceType;
      if (heard.rssi !== undefined) meter.rssi = heard.rssi;
    }
    try {
      await this.#durably(
        () => (store.state.meters[id] = meter),
        () => delete store.state.meters[id],
      );
    } catch (err) {
      if (key) await keys.setSoon(id, undefined);
      throw err;
    }
    this.#c.log.info(`claimed meter ${id} as "${name}"${key ? ' with a key' : ''}`);
    this.#c.emit({ change: 'claimed', id, meter: this.#c.view(meter) });
    const last = nearby.lastFrame(id);
    nearby.forget(id);
    if (last) this.#c.replay(last);
    // The claim holds already; this writes the reading it showed at once and the shorter nearby
    // list (a failure here is logged by the flush and retried by its timer).
    await this.#c.flush().catch(() => {});
    return this.#c.view(meter);
  }

  async rename(id: string, name: string): Promise<MeterView> {
    const meter = this.claimed(id);
    const clean = checkName(name, meter.id);
    const old = meter.name;
    await this.#durably(
      () => (meter.name = clean),
      () => (meter.name = old),
    );
    this.#c.emit({ change: 'renamed', id: meter.id, meter: this.#c.view(meter) });
    return this.#c.view(meter);
  }

  /**
   * Sets the key (32 hex digits) or removes it (null): keys.json is written before this returns.
   * The status waits for the next telegram (written with the next flush).
   */
  async setKey(id: string, key: string | null): Promise<MeterView> {
    const meter = this.claimed(id);
    const hex = key === null || key === '' ? undefined : checkKey(key);
    await this.#c.keys.set(meter.id, hex);
    meter.status = { state: 'waiting', since: this.#c.clock() };
    this.#c.store.touch();
    this.#c.log.info(`meter ${meter.id} (${meter.name}): key ${hex ? 'set' : 'removed'}`);
    this.#c.emit({ change: 'key', id: meter.id, meter: this.#c.view(meter) });
    return this.#c.view(meter);
  }

  /** Forgets a claimed meter and its key. Its history stays (until retention drops it) for a later claim. */
  async remove(id: string): Promise<void> {
    const meter = this.claimed(id);
    const { store } = this.#c;
    await this.#durably(
      () => delete store.state.meters[meter.id],
      () => (store.state.meters[meter.id] = meter),
    );
    await this.#c.keys.setSoon(meter.id, undefined);
    this.#c.forgetLive(meter.id);
    this.#c.log.info(`removed meter ${meter.id} (${meter.name})`);
    this.#c.emit({ change: 'removed', id: meter.id });
  }

  // A refused request changes nothing: the change goes into the live state, is written, and is
  // taken back when the write fails before its journal line is on disk. Events and log lines
  // follow only a change that holds.
  async #durably(apply: () => unknown, undo: () => unknown): Promise<void> {
    apply();
    this.#c.store.touch();
    try {
      await this.#c.flush();
    } catch (err) {
      if (err instanceof StoreWriteError && err.committed) return;
      undo();
      throw err;
    }
  }

  /**
   * Claims the meters named in the configuration that are not claimed yet, and applies a key or
   * name that differs from the stored one (saying so): one keys.json write and one store write for
   * all of them, so thousands of meters start in moments.
   */
  async claimConfigured(meters: readonly ClaimRequest[]): Promise<void> {
    const { store, keys, nearby, log, clock } = this.#c;
    const keyChanges: Array<[string, string]> = [];
    let claimed = 0;
    let renamed = 0;
    for (const m of meters) {
      const id = checkId(m.id);
      const key = m.key ? checkKey(m.key) : undefined;
      const existing = store.state.meters[id];
      if (!existing) {
        const name = checkName(m.name, id);
        store.state.meters[id] = { id, name, claimedAt: clock(), status: { state: 'waiting', since: clock() }, telegrams: 0 };
        nearby.forget(id);
        claimed++;
      } else if (m.name !== undefined) {
        const name = checkName(m.name, id);
        if (name !== existing.name) {
          log.info(`meter ${id}: the configuration names it "${name}" (was "${existing.name}"): renamed`);
          existing.name = name;
          renamed++;
        }
      }
      if (key && !keys.is(id, key)) {
        if (existing && keys.has(id)) log.info(`meter ${id} (${existing.name}): the configuration has another key: using it`);
        if (existing) existing.status = { state: 'waiting', since: clock() };
        keyChanges.push([id, key]);
      }
    }
    await keys.setMany(keyChanges);
    if (claimed > 0) log.info(`claimed ${claimed} meter${claimed === 1 ? '' : 's'} named in the configuration`);
    if (claimed + renamed + keyChanges.length === 0) return;
    store.touch();
    await this.#c.flush();
  }

  claimed(id: string): StoredMeter {
    const meter = this.#c.store.state.meters[typeof id === 'string' ? id.toUpperCase() : ''];
    if (!meter) throw new UnknownMeterError(`meter ${String(id)} is not claimed`);
    return meter;
  }
}

function checkId(id: unknown): string {
  if (typeof id !== 'string' || !/^[0-9A-Fa-f]{8}$/.test(id.trim()))
    throw new GatewayInputError('a meter id is the 8 digits printed on the meter (as shown in the heard-nearby list)');
  return id.trim().toUpperCase();
}

function checkName(name: unknown, id: string): string {
  if (name === undefined || name === null || name === '') return `Meter ${id}`;
  if (typeof name !== 'string') throw new GatewayInputError('a meter name is text');
  const clean = name.replace(/\s+/g, ' ').trim();
  if (clean === '') return `Meter ${id}`;
  if (clean.length > NAME_MAX) throw new GatewayInputError(`a meter name has at most ${NAME_MAX} characters`);
  return clean;
}

function checkKey(key: unknown): string {
  if (typeof key !== 'string') throw new GatewayInputError('a key is 32 hexadecimal digits (AES-128)');
  try {
    return normaliseKey(key);
  } catch (err) {
    if (err instanceof KeyFormatError) throw new GatewayInputError(err.message);
    throw err;
  }
}
