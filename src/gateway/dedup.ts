/**
 * Meters and repeaters send the same telegram more than once. A copy is the same bytes apart from
 * the C-field (a repeater may change it), heard again within the window.
 */
import { createHash } from 'node:crypto';

export const DUPLICATE_WINDOW_MS = 10 * 60_000;
const CAPACITY = 4096;

export class DuplicateFilter {
  // digest -> time first heard; Map keeps insertion order, so the oldest entries come first.
  readonly #seen = new Map<string, number>();
  readonly #windowMs: number;

  constructor(windowMs = DUPLICATE_WINDOW_MS) {
    this.#windowMs = windowMs;
  }

  /** true when the telegram (link-layer bytes from L, without CRCs) was already heard within the window. */
  isCopy(telegram: Uint8Array, time: number): boolean {
    const digest = digestOf(telegram);
    this.#expire(time);
    const first = this.#seen.get(digest);
    if (first !== undefined && time - first < this.#windowMs) return true;
    this.#seen.delete(digest);
    this.#seen.set(digest, time);
    if (this.#seen.size > CAPACITY) this.#seen.delete(this.#seen.keys().next().value!);
    return false;
  }

  #expire(now: number): void {
    for (const [digest, t] of this.#seen) {
      if (now - t < this.#windowMs) break;
      this.#seen.delete(digest);
    }
  }
}

function digestOf(telegram: Uint8Array): string {
  const h = createHash('sha1');
  h.update(telegram.subarray(0, 1));
  h.update(telegram.subarray(2));
  return h.digest('base64');
}
