/**
 * Log lines a person can follow: local time in the gateway's zone, level, one sentence.
 */
import type { Writable } from 'node:stream';
import type { TimeZone } from './timezone.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

const RANK: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

export function createLogger(stream: Writable, level: LogLevel, tz: TimeZone, clock: () => number = Date.now): Logger {
  const write = (l: LogLevel, message: string) => {
    if (RANK[l] < RANK[level]) return;
    const stamp = tz.isoLocal(clock()).slice(0, 19).replace('T', ' ');
    stream.write(`${stamp} ${l.padEnd(5)} ${message}\n`);
  };
  return {
    debug: (m) => write('debug', m),
    info: (m) => write('info', m),
    warn: (m) => write('warn', m),
    error: (m) => write('error', m),
  };
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
