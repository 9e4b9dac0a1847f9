/**
 * The machine's own scheduling stalls, measured beside the radio process: a process that does
 * nothing but sleep 0.5 ms and note how late each wake-up comes (as cyclictest does). Run with
 * `node wakeup-probe.js SECONDS`, under `chrt -f` for the real-time rows; prints one JSON line.
 * A radio service gap no longer than this probe's worst wake-up is the machine's, not the radio's.
 */
const SLEEP_MS = 0.5;
/** the FIFO's 64 bytes at 80 us each: a later wake-up in a packet loses it */
const FIFO_MS = 5.12;

export interface WakeupReport {
  wakeups: number;
  worstLateMs: number;
  /** wake-ups more than FIFO_MS late */
  overFifo: number;
}

function probe(seconds: number): WakeupReport {
  const cell = new Int32Array(new SharedArrayBuffer(4));
  const end = performance.now() + seconds * 1000;
  const report: WakeupReport = { wakeups: 0, worstLateMs: 0, overFifo: 0 };
  while (performance.now() < end) {
    const before = performance.now();
    Atomics.wait(cell, 0, 0, SLEEP_MS);
    const late = performance.now() - before - SLEEP_MS;
    report.wakeups++;
    if (late > report.worstLateMs) report.worstLateMs = late;
    if (late > FIFO_MS) report.overFifo++;
  }
  return report;
}

if (process.argv[1]?.endsWith('wakeup-probe.js') || process.argv[1]?.endsWith('wakeup-probe.ts')) {
  process.stdout.write(`${JSON.stringify(probe(Number(process.argv[2] ?? 10)))}\n`);
}
