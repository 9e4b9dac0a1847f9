/**
 * `wmbus-gateway run` as its own process, started from the TypeScript sources (tsx), with its
 * log collected: for tests of what a user of the service sees (its port, its signals, its exit
 * status) on a heap and event loop of its own, not the test runner's.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { repoRoot } from '../conformance/shared-files.js';
import { waitFor } from './wait.js';

const mainUrl = pathToFileURL(path.join(repoRoot, 'src', 'cli', 'main.ts')).href;
const script = `const { main } = await import(${JSON.stringify(mainUrl)}); process.exitCode = await main(process.argv.slice(1));`;

/** A TCP port nobody listens on now, for a child to listen on. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

export interface RunProcess {
  child: ChildProcess;
  /** stdout and stderr so far */
  log(): string;
  /** the exit status (null: ended by a signal) */
  exited: Promise<number | null>;
  /** waits for a log line, or fails with the log when the deadline passes or the process ends first */
  waitForLog(pattern: RegExp, timeoutMs: number): Promise<void>;
}

/** Starts `run` with exactly this environment's WMBUS_ settings (none inherited from the machine's). */
export function startRun(env: Record<string, string>, args: string[] = []): RunProcess {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('WMBUS_')));
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, 'run', ...args], {
    cwd: repoRoot,
    env: { ...clean, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  let ended = false;
  child.stdout!.on('data', (c: Buffer) => (log += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (log += c.toString()));
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      ended = true;
      resolve(code);
    }),
  );
  return {
    child,
    log: () => log,
    exited,
    async waitForLog(pattern, timeoutMs) {
      const found = () => {
        if (pattern.test(log)) return true;
        if (ended) throw new Error(`run ended before a log line matching ${pattern}:\n${log}`);
        return false;
      };
      await waitFor(`a log line matching ${pattern}`, found, { timeoutMs, seen: () => log });
    },
  };
}
