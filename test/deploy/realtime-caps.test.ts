import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../conformance/shared-files.js';

// The container drops to `node` and the systemd unit runs as its own user: either way the radio
// process must still get SCHED_FIFO, which without root takes CAP_SYS_NICE (README, Hardware).

const read = (file: string) => readFileSync(path.join(repoRoot, file), 'utf8');
const found = (tool: string) => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;
/** CAP_SYS_NICE (bit 23) in this process's bounding set: without it no child can be given it. */
const boundingHasSysNice = () => {
  const hex = /^CapBnd:\s*([0-9a-f]+)$/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
  return hex !== undefined && (BigInt(`0x${hex}`) >> 23n) & 1n ? true : false;
};
/** Only root can become another user to try it; elsewhere the test says so and does not run. */
const canTry = process.getuid?.() === 0 && found('setpriv') && found('chrt') && boundingHasSysNice();
if (!canTry) {
  console.warn('realtime-caps: needs root with CAP_SYS_NICE, setpriv and chrt to start the radio process as another user; not run here');
}
const NOBODY = '65534';

/** The radio process started as an unprivileged user with these setpriv capability options. */
function radioAsNobody(caps: string[]): { uid: number; realtime: boolean } {
  const run = spawnSync(
    'setpriv',
    [
      `--reuid=${NOBODY}`,
      `--regid=${NOBODY}`,
      '--clear-groups',
      ...caps,
      process.execPath,
      '--import',
      'tsx',
      'test/deploy/fixtures/radio-realtime.ts',
    ],
    { cwd: repoRoot, encoding: 'utf8', timeout: 30_000 },
  );
  expect(run.status, run.stderr).toBe(0);
  return JSON.parse(run.stdout.trim().split('\n').pop()!) as { uid: number; realtime: boolean };
}

describe('real-time scheduling for the radio process of a deployed gateway', () => {
  it.skipIf(!canTry)(
    'the container entrypoint passes CAP_SYS_NICE on to `node`, and the radio process gets SCHED_FIFO with it',
    () => {
      const script = read('deploy/entrypoint.sh');
      const caps = /^REALTIME_CAPS="([^"]*)"$/m.exec(script)?.[1]?.split(' ');
      expect(caps).toBeDefined();
      expect(script).toMatch(/setpriv [^\n]*\$caps node \$NODE_FLAGS/);
      expect(radioAsNobody(caps!)).toEqual({ uid: Number(NOBODY), realtime: true });
      // and what the entrypoint did before: dropping every capability leaves the radio at normal priority
      expect(radioAsNobody(['--inh-caps=-all'])).toEqual({ uid: Number(NOBODY), realtime: false });
    },
    60_000,
  );

  it('the systemd unit grants CAP_SYS_NICE to its user and does not forbid real-time scheduling', () => {
    const unit = read('deploy/wmbus-gateway.service');
    expect(unit).toMatch(/^User=(?!root)\S+$/m);
    expect(unit).toMatch(/^AmbientCapabilities=.*\bCAP_SYS_NICE\b/m);
    expect(unit).toMatch(/^CapabilityBoundingSet=.*\bCAP_SYS_NICE\b/m);
    expect(unit).not.toMatch(/^RestrictRealtime=(yes|true)/m);
  });
});
