/**
 * Real-time scheduling for the radio process: SCHED_FIFO through `chrt` (util-linux, on Raspberry
 * Pi OS, Debian and the container image). Under SCHED_FIFO the drain loop runs as soon as its
 * sleep ends instead of waiting behind other processes' time slices: the stalls that cost
 * telegrams are scheduling stalls (radio notes §7). It needs root or CAP_SYS_NICE.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** Priority 20: above ordinary real-time helpers (1-10), below the kernel's own threads (50+). */
export const RADIO_RT_PRIORITY = 20;

export interface SchedulingReport {
  requested: boolean;
  inEffect: boolean;
  /** what a user reads: the policy in effect, or why real-time scheduling was not granted */
  detail: string;
}

const SCHED_FIFO = 1;
const POLICY_NAMES: Record<number, string> = { 0: 'SCHED_OTHER', 1: 'SCHED_FIFO', 2: 'SCHED_RR', 3: 'SCHED_BATCH', 5: 'SCHED_IDLE' };

/** Scheduling policy of a process from /proc/<pid>/stat (field 41), or undefined off Linux. */
export function schedulingPolicy(pid: number = process.pid): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which may itself hold spaces and parentheses.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const policy = Number(fields[41 - 3]);
    return Number.isInteger(policy) ? policy : undefined;
  } catch {
    return undefined;
  }
}

/** Asks for SCHED_FIFO for this process's main thread and says whether it took. */
export function requestRealtime(priority: number = RADIO_RT_PRIORITY, pid: number = process.pid): SchedulingReport {
  const run = spawnSync('chrt', ['-f', '-p', String(priority), String(pid)], { encoding: 'utf8', timeout: 2000 });
  const policy = schedulingPolicy(pid);
  if (policy === SCHED_FIFO) return { requested: true, inEffect: true, detail: `SCHED_FIFO priority ${priority} (chrt)` };
  const why = run.error
    ? (run.error as NodeJS.ErrnoException).code === 'ENOENT'
      ? 'chrt is not installed (apt install util-linux)'
      : `chrt failed: ${run.error.message}`
    : `chrt said: ${(run.stderr || run.stdout || `exit ${run.status}`).trim()}`;
  return {
    requested: true,
    inEffect: false,
    detail:
      `not in effect (${POLICY_NAMES[policy ?? -1] ?? 'policy unknown'}): ${why}; ` +
      'run the gateway as root or grant CAP_SYS_NICE (the systemd unit does; in a container: privileged or cap_add SYS_NICE)',
  };
}
