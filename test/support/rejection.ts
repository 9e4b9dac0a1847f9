import { expect } from 'vitest';

/**
 * Checks that `promise` rejects with an instance of `type` whose message matches `message` (a
 * RegExp, or a string for the whole message) and whose other fields match `fields`; returns the
 * error. vitest's `rejects.toThrow(/pattern/)` passes when a promise rejects with undefined (there
 * is no message to compare), so a bug that rejects with nothing would pass it; this does not.
 */
export async function rejection<E extends Error>(
  promise: Promise<unknown>,
  type: abstract new (...args: never[]) => E,
  message: RegExp | string,
  fields: Record<string, unknown> = {},
): Promise<E> {
  const err: unknown = await promise.then(
    () => {
      throw new Error(`expected a rejection with ${type.name}, the promise resolved`);
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(type);
  expect(err).toMatchObject({ message: typeof message === 'string' ? message : expect.stringMatching(message), ...fields });
  return err as E;
}
