/**
 * AES keys in their own file, keys.json in the data folder, mode 0600: {"<8-digit id>": "<32 hex>"},
 * the same shape the decode command's --keys file takes. Written at once on every change (a key
 * is typed by a person; losing it to a power cut would be rude). Nothing here returns a key to an
 * API: the gateway only asks for the decoder's lookup and whether a meter has one.
 */
import { access, chmod, readFile } from 'node:fs/promises';
import path from 'node:path';
import { Low } from 'lowdb';
import { DurableJsonFile } from './durable-file.js';
import { StoreWriteError } from './store.js';

const KEY_MODE = 0o600;

export class KeyStore {
  readonly file: string;
  readonly #db: Low<Record<string, string>>;
  #bytes = new Map<string, Uint8Array>();
  // memory holds a change the file does not have yet
  #unsaved = false;
  readonly #warn: (message: string) => void;

  private constructor(file: string, warn: (message: string) => void) {
    this.file = file;
    this.#warn = warn;
    this.#db = new Low(
      new DurableJsonFile<Record<string, string>>(file, {
        mode: KEY_MODE,
        warn,
        // Entries are checked one by one after reading: one bad entry must not cost the others.
        validate: (data) => (isObject(data) ? undefined : 'not a JSON object of id -> key'),
      }),
      {},
    );
  }

  static async open(dir: string, warn: (message: string) => void = () => {}): Promise<KeyStore> {
    const store = new KeyStore(path.join(dir, 'keys.json'), warn);
    await store.#db.read();
    store.#db.data = await store.#goodEntries(store.#db.data);
    // A file copied in by hand may be world-readable; a key is a secret of the household.
    await chmod(store.file, KEY_MODE).catch(() => {});
    store.#rebuild();
    return store;
  }

  // The usable entries; a damaged one is taken from keys.json.prev (the copy before the last
  // change) when that has a good key for the meter, and named in the log either way.
  async #goodEntries(data: Record<string, unknown>): Promise<Record<string, string>> {
    const good: Record<string, string> = {};
    const bad: string[] = [];
    for (const [id, key] of Object.entries(data)) {
      const hex = entryKey(id, key);
      if (hex) good[id.toUpperCase()] = hex;
      else bad.push(id);
    }
    if (bad.length === 0) return good;
    const prevFile = `${this.file}.prev`;
    const prev = await readFile(prevFile, 'utf8').then(
      (text) => JSON.parse(text) as unknown,
      () => undefined,
    );
    for (const id of bad) {
      const what = `${this.file}: entry ${JSON.stringify(id)} is not "8-digit id": "32 hex digits"`;
      const hex = isObject(prev) ? entryKey(id, prev[id] ?? prev[id.toUpperCase()]) : undefined;
      if (hex && /^[0-9A-Fa-f]{8}$/.test(id)) {
        good[id.toUpperCase()] = hex;
        this.#warn(`${what}; using its key from ${prevFile}`);
      } else {
        this.#warn(`${what} and ${prevFile} has none: enter that meter's key again`);
      }
    }
    return good;
  }

  /** How many meters have a key. */
  get size(): number {
    return this.#bytes.size;
  }

  has(id: string): boolean {
    return this.#bytes.has(id.toUpperCase());
  }

  /** The decoder's KeyLookup. */
  readonly lookup = (id: string): Uint8Array | undefined => this.#bytes.get(id.toUpperCase());

  /**
   * Sets (hex) or removes (undefined) the key of a meter and writes the file before returning. When
   * the write fails nothing changed, in memory or on disk.
   */
  async set(id: string, hexKey: string | undefined): Promise<void> {
    await this.setMany([[id, hexKey]]);
  }

  /** set() for many meters with one write (the meters of the configuration at start). */
  async setMany(changes: ReadonlyArray<readonly [id: string, hexKey: string | undefined]>): Promise<void> {
    if (changes.length === 0) return;
    const next = this.#with(this.#db.data, changes);
    try {
      await this.#write(
        next,
        changes.some(([, hexKey]) => hexKey === undefined),
      );
    } catch (err) {
      throw new StoreWriteError(`writing ${this.file} failed: ${(err as Error).message}`, false);
    }
    this.#db.data = next;
    this.#rebuild();
  }

  /** Whether the meter's key is this one (32 hex digits). */
  is(id: string, hexKey: string): boolean {
    const bytes = this.lookup(id);
    return bytes !== undefined && Buffer.from(bytes).toString('hex').toUpperCase() === normaliseKey(hexKey);
  }

  /**
   * Sets or removes a key in memory at once and in the file as soon as it can be written (see
   * rewriteIfNeeded): for taking back a change the store then refused, and for a removed meter.
   */
  async setSoon(id: string, hexKey: string | undefined): Promise<void> {
    this.#db.data = this.#with(this.#db.data, [[id, hexKey]]);
    this.#rebuild();
    this.#unsaved = true;
    await this.rewriteIfNeeded().catch(() => {});
  }

  /** Writes the keys held in memory when the last write failed or the file went missing (the folder was deleted). */
  async rewriteIfNeeded(): Promise<void> {
    if (!this.#unsaved && (this.#bytes.size === 0 || (await exists(this.file)))) return;
    await this.#write(this.#db.data, true);
    this.#unsaved = false;
  }

  // A removed key must go from keys.json.prev too (which a damaged keys.json falls back to):
  // writing twice makes the previous copy the same as the new one.
  async #write(data: Record<string, string>, everyCopy: boolean): Promise<void> {
    await this.#db.adapter.write(data);
    if (everyCopy) await this.#db.adapter.write(data);
  }

  #with(data: Record<string, string>, changes: ReadonlyArray<readonly [string, string | undefined]>): Record<string, string> {
    const changed = new Map(changes.map(([id, hexKey]) => [id.toUpperCase(), hexKey]));
    // A file written by hand may spell an id in lower case: the change replaces it all the same.
    const next = Object.fromEntries(Object.entries(data).filter(([id]) => !changed.has(id.toUpperCase())));
    for (const [id, hexKey] of changed) if (hexKey !== undefined) next[id] = normaliseKey(hexKey);
    return next;
  }

  #rebuild(): void {
    this.#bytes = new Map(Object.entries(this.#db.data).map(([id, hex]) => [id.toUpperCase(), Uint8Array.from(Buffer.from(hex, 'hex'))]));
  }
}

function isObject(data: unknown): data is Record<string, unknown> {
  return typeof data === 'object' && data !== null && !Array.isArray(data);
}

// The key of a keys.json entry, normalised, or undefined when the entry is not usable.
function entryKey(id: string, key: unknown): string | undefined {
  if (!/^[0-9A-Fa-f]{8}$/.test(id) || typeof key !== 'string') return undefined;
  try {
    return normaliseKey(key);
  } catch {
    return undefined;
  }
}

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}

/** Accepts 32 hex digits with optional spaces, dashes or colons (as operators print keys); throws a message otherwise. */
export function normaliseKey(input: string): string {
  const hex = input.replace(/[\s:-]/g, '').toUpperCase();
  if (!/^[0-9A-F]{32}$/.test(hex))
    throw new KeyFormatError('a key is 32 hexadecimal digits (AES-128), e.g. 0123456789ABCDEF0123456789ABCDEF');
  return hex;
}

export class KeyFormatError extends Error {
  override name = 'KeyFormatError';
}
