import { expect } from 'vitest';

/**
 * Checks on errors that fail when nothing typed was thrown. vitest's `toThrow(/pattern/)` and
 * `rejects.toThrow(/pattern/)` pass when the code throws or rejects with undefined (there is no
 * message to compare), so a bug that loses the error would pass them; these do not. `message` is a
 * RegExp, or a string for the whole message; `fields` are other properties the error must have.
 */

type ErrorClass<E extends Error> = abstract new (...args: never[]) => E;

function check<E extends Error>(err: unknown, type: ErrorClass<E>, message: RegExp | string, fields: Record<string, unknown>): E {
  expect(err).toBeInstanceOf(type);
  expect(err).toMatchObject({ message: typeof message === 'string' ? message : expect.stringMatching(message), ...fields });
  return err as E;
}

/** The error `promise` rejects with, checked; a promise that resolves fails. */
export async function rejection<E extends Error>(
  promise: Promise<unknown>,
  type: ErrorClass<E>,
  message: RegExp | string,
  fields: Record<string, unknown> = {},
): Promise<E> {
  const err: unknown = await promise.then(
    () => {
      throw new Error(`expected a rejection with ${type.name}, the promise resolved`);
    },
    (e: unknown) => e,
  );
  return check(err, type, message, fields);
}

/** The error `run` throws, checked; a run that returns fails. */
export function thrownBy<E extends Error>(
  run: () => unknown,
  type: ErrorClass<E>,
  message: RegExp | string,
  fields: Record<string, unknown> = {},
): E {
  let err: unknown;
  try {
    run();
  } catch (e) {
    err = e;
    return check(err, type, message, fields);
  }
  throw new Error(`expected ${type.name} to be thrown, the call returned`);
}
