import type { Readable, Writable } from 'node:stream';

/** The streams a command talks to; tests pass their own. */
export interface CliIo {
  stdin: Readable;
  stdout: Writable;
  stderr: Writable & { isTTY?: boolean };
}

/** Exit statuses shared by every command. */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** Thrown by a command's argument parsing; main() prints it with the usage line and exits 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export type Command = (args: string[], io: CliIo) => Promise<number>;

export function processIo(): CliIo {
  return { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr };
}

/** One word of a command line; `value()` takes the word after an option, or throws a UsageError. */
export interface CliWord {
  arg: string;
  value: () => string;
}

/** Walks a command line word by word, so each command only says what its options mean. */
export function* cliWords(args: string[]): Generator<CliWord> {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    yield {
      arg,
      value: () => {
        const v = args[++i];
        if (v === undefined || (v.startsWith('--') && v.length > 2)) throw new UsageError(`${arg} needs a value`);
        return v;
      },
    };
  }
}
