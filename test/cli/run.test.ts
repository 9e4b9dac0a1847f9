/**
 * `wmbus-gateway run` as a newcomer starts it: no radio attached, so the demo plays the simulated
 * neighbourhood through the real radio process and driver against the simulated CC1101. Readings
 * of the household's meters must show in the log within seconds, the neighbours as heard nearby,
 * and SIGTERM must stop it cleanly with the store written. About 15 s.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_METERS } from '../../src/gateway/demo/neighbourhood.js';
import { Gateway } from '../../src/gateway/gateway.js';
import { repoRoot } from '../conformance/shared-files.js';
import { tempDir, testConfig } from '../support/gateway-harness.js';

const mainUrl = pathToFileURL(path.join(repoRoot, 'src', 'cli', 'main.ts')).href;
const script = `const { main } = await import(${JSON.stringify(mainUrl)}); process.exitCode = await main(process.argv.slice(1));`;
const cliArgs = (args: string[]) => ['--import', 'tsx', '--input-type=module', '-e', script, 'run', ...args];
// Without a CC1101 the demo starts by itself; on a machine that has one, ask for it. Steady
// simulated time: a busy machine cannot make the demo radio lose the telegrams waited for.
const env = {
  ...process.env,
  WMBUS_FLUSH_INTERVAL_S: '1',
  WMBUS_HTTP: 'false',
  WMBUS_SIM_TIME: 'steady',
  ...(existsSync('/dev/spidev0.0') ? { WMBUS_DEMO: '1' } : {}),
};

let tmp: Awaited<ReturnType<typeof tempDir>>;
beforeAll(async () => {
  tmp = await tempDir();
});
afterAll(async () => {
  await tmp.remove();
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

function waitFor(log: () => string, pattern: RegExp, ms: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const timer = setInterval(() => {
      if (pattern.test(log())) {
        clearInterval(timer);
        resolve();
      } else if (Date.now() - started > ms) {
        clearInterval(timer);
        reject(new Error(`no log line matching ${pattern} within ${ms / 1000} s; log so far:\n${log()}`));
      }
    }, 100);
  });
}

describe('wmbus-gateway run without a radio', () => {
  it('plays the demo: household readings within seconds, neighbours nearby, clean stop on SIGTERM', async () => {
    const p: ChildProcess = spawn(process.execPath, cliArgs(['--data', tmp.dir]), {
      cwd: repoRoot,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let log = '';
    p.stdout!.on('data', (c: Buffer) => (log += c.toString()));
    p.stderr!.on('data', (c: Buffer) => (log += c.toString()));
    const exited = new Promise<number | null>((resolve) => p.on('exit', (code) => resolve(code)));
    try {
      await waitFor(() => log, /demo: no CC1101 found|demo: demo asked for/, 15_000);
      for (const m of DEMO_METERS) {
        const line = m.household
          ? new RegExp(`meter ${m.id} \\(${m.name.replace(/[()]/g, '\\$&')}\\): `)
          : new RegExp(`heard meter ${m.id} nearby`);
        // the meter's first telegram and the one after it
        await waitFor(() => log, line, m.phaseMs + 2 * m.intervalMs);
      }
    } finally {
      p.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    expect(log).toMatch(/SIGTERM: stopping, writing the store[\s\S]*stopped/);

    const demoDir = path.join(tmp.dir, 'demo');
    const gw = await Gateway.open({ config: testConfig(demoDir) });
    for (const m of DEMO_METERS.filter((x) => x.household)) {
      expect(gw.meter(m.id)).toMatchObject({ name: m.name, hasKey: true, status: { state: 'ok' } });
      expect(Object.keys(gw.latest(m.id)!.counters).length).toBeGreaterThan(0);
    }
    // the demo ran on the wall clock: which neighbours sent in those seconds depends on the machine's speed
    expect(gw.nearby().length).toBeGreaterThanOrEqual(3);
    expect((await stat(path.join(demoDir, 'keys.json'))).mode & 0o777).toBe(0o600);
    await gw.stop();
  }, 600_000);

  it('refuses a bad setting with its name and exits 1; bad options exit 2', async () => {
    const run = (args: string[], extra: Record<string, string>) =>
      new Promise<{ code: number; stderr: string }>((resolve) => {
        execFile(process.execPath, cliArgs(args), { cwd: repoRoot, env: { ...env, ...extra } }, (err, _out, stderr) =>
          resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stderr }),
        );
      });
    const bad = await run(['--data', tmp.dir], { WMBUS_TIMEZONE: 'Europe/Warsow', WMBUS_HTTP_PORT: '99999' });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/timeZone \(environment WMBUS_TIMEZONE\): "Europe\/Warsow"/);
    expect(bad.stderr).toMatch(/http\.port \(environment WMBUS_HTTP_PORT\): "99999" must be from 1 to 65535/);
    const usage = await run(['--bogus'], {});
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/unknown option --bogus/);
  }, 30_000);

  it('exits 1 when the radio cannot start, not staying up with only the page it had opened', async () => {
    const port = await freePort();
    const radioless = {
      ...env,
      WMBUS_DEMO: 'false',
      WMBUS_RADIO: 'cc1101',
      WMBUS_SPI_BUS: '9',
      WMBUS_SPI_DEVICE: '9',
      WMBUS_HTTP: 'true',
      WMBUS_HTTP_HOST: '127.0.0.1',
      WMBUS_HTTP_PORT: String(port),
    };
    const result = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        cliArgs(['--data', tmp.dir]),
        { cwd: repoRoot, env: radioless, timeout: 30_000, killSignal: 'SIGKILL' },
        (err, _out, stderr) => resolve({ code: err ? ((err as { code?: number | null }).code ?? null) : 0, stderr }),
      );
    });
    expect(result.stderr).toMatch(/output web started[\s\S]*could not start: \/dev\/spidev9\.9/);
    expect(result.code).toBe(1);
  }, 40_000);
});
