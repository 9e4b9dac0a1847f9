/**
 * AES keys in their own file, keys.json in the data folder, mode 0600: {"<8-digit id>": "<32 hex>"},
 * the same shape the decode command's --keys file takes. Written at once on every change (a key
 * is typed by a person; losing it to a power cut would be rude). Nothing here returns a key to an
 * API: the gateway only asks for the decoder's lookup and whether a meter has one.
 */
import { access, chmod } from 'node:fs/promises';
import path from 'node:path';
import { Low } from 'lowdb';
import { DurableJsonFile } from './durable-file.js';

const KEY_MODE = 0o600;

export class KeyStore {
  readonly file: string;
  readonly #db: Low<Record<string, string>>;
  #bytes = new Map<string, Uint8Array>();
  // memory holds a change the file does not have yet
  #unsaved = false;

  private constructor(file: string, warn: (message: string) => void) {
    this.file = file;
    this.#db = new Low(
      new DurableJsonFile<Record<string, string>>(file, {
        mode: KEY_MODE,
        warn,
        validate: (data) => {
          if (typeof data !== 'object' || data === null || Array.isArray(data)) return 'not a JSON object of id -> key';
          for (const [id, key] of Object.entries(data)) {
            if (!/^[0-9A-Fa-f]{8}$/.test(id) || typeof key !== 'string' || !/^[0-9a-fA-F]{32}$/.test(key))
              return `entry ${JSON.stringify(id)} is not "8-digit id": "32 hex digits"`;
          }
          return undefined;
        },
      }),
      {},
    );
  }

  static async open(dir: string, warn: (message: string) => void = () => {}): Promise<KeyStore> {
    const store = new KeyStore(path.join(dir, 'keys.json'), warn);
    await store.#db.read();
    // A file copied in by hand may be world-readable; a key is a secret of the household.
    await chmod(store.file, KEY_MODE).catch(() => {});
    store.#rebuild();
    return store;
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
    const next = this.#with(id, hexKey);
    await this.#db.adapter.write(next);
    this.#db.data = next;
    this.#rebuild();
  }

  /**
   * Sets or removes a key in memory at once and in the file as soon as it can be written (see
   * rewriteIfNeeded): for taking back a change the store then refused, and for a removed meter.
   */
  async setSoon(id: string, hexKey: string | undefined): Promise<void> {
    this.#db.data = this.#with(id, hexKey);
    this.#rebuild();
    this.#unsaved = true;
    await this.rewriteIfNeeded().catch(() => {});
  }

  /** Writes the keys held in memory when the last write failed or the file went missing (the folder was deleted). */
  async rewriteIfNeeded(): Promise<void> {
    if (!this.#unsaved && (this.#bytes.size === 0 || (await exists(this.file)))) return;
    await this.#db.write();
    this.#unsaved = false;
  }

  #with(id: string, hexKey: string | undefined): Record<string, string> {
    const next = { ...this.#db.data };
    for (const k of Object.keys(next)) if (k.toUpperCase() === id.toUpperCase()) delete next[k];
    if (hexKey !== undefined) next[id.toUpperCase()] = normaliseKey(hexKey);
    return next;
  }

  #rebuild(): void {
    this.#bytes = new Map(Object.entries(this.#db.data).map(([id, hex]) => [id.toUpperCase(), Uint8Array.from(Buffer.from(hex, 'hex'))]));
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
  if (!/^[0-9A-F]{32}$/.test(hex)) throw new KeyFormatError('a key is 32 hexadecimal digits (AES-128), e.g. 0123456789ABCDEF0123456789ABCDEF');
  return hex;
}

export class KeyFormatError extends Error {
  override name = 'KeyFormatError';
}
