/**
 * JSON merge patches (RFC 7386) between two plain JSON values: the journal writes what changed
 * since the last written state instead of the whole state. Objects are compared key by key, a
 * removed key becomes null, anything else (numbers, strings, arrays) is replaced whole when it
 * differs. null cannot be a value of its own, which suits the store: it never holds null (a NaN
 * that JSON would turn into null is dropped instead).
 */

export type Json = number | string | boolean | null | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The patch that turns `from` into `to`, or undefined when they are equal. */
export function diffPatch(from: unknown, to: unknown): Json | undefined {
  if (!isObject(from) || !isObject(to)) return sameJson(from, to) ? undefined : toJson(to);
  const patch: JsonObject = {};
  let changed = false;
  for (const key of Object.keys(to)) {
    const value = to[key];
    if (value === undefined) continue;
    const d = key in from ? diffPatch(from[key], value) : toJson(value);
    if (d !== undefined) {
      patch[key] = d;
      changed = true;
    }
  }
  for (const key of Object.keys(from)) {
    if (from[key] !== undefined && (!(key in to) || to[key] === undefined)) {
      patch[key] = null;
      changed = true;
    }
  }
  return changed ? patch : undefined;
}

/** Applies a patch to `target` in place (objects) and returns the result (a new value when target is not an object). */
export function applyPatch<T>(target: T, patch: Json): T {
  if (!isObject(patch)) return clone(patch) as T;
  const base: JsonObject = isObject(target) ? target : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete base[key];
    else if (isObject(value) && isObject(base[key])) applyPatch(base[key], value);
    else base[key] = isObject(value) ? applyPatch({}, value) : clone(value);
  }
  return base as T;
}

/** A deep copy through JSON: what a write and a read would give back. */
export function clone<T>(value: T): T {
  return value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T);
}

function toJson(value: unknown): Json {
  return clone(value) as Json;
}

function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  return JSON.stringify(a) === JSON.stringify(b);
}
