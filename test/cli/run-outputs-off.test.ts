/**
 * Issue 14, point 10: `run` with the radio and the page both off (MQTT from stored data only)
 * stays up until SIGTERM, instead of logging "running" and ending at once with status 13.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { repoRoot } from '../conformance/shared-files.js';
import { tempDir } from '../support/gateway-harness.js';

const mainUrl = pathToFileURL(path.join(repoRoot, 'src', 'cli', 'main.ts')).href;
const script = `const { main } = await import(${JSON.stringify(mainUrl)}); process.exitCode = await main(process.argv.slice(1));`;

let tmp: Awaited<ReturnType<typeof tempDir>>;
beforeEach(async () => {
  tmp = await tempDir();
});
afterEach(() => tmp.remove());

it('stays up with WMBUS_RADIO=none and WMBUS_HTTP=false until SIGTERM, then stops cleanly', async () => {
  const env: NodeJS.ProcessEnv = { ...process.env, WMBUS_DATA_DIR: tmp.dir, WMBUS_RADIO: 'none', WMBUS_HTTP: 'false' };
  for (const name of ['WMBUS_MQTT_URL', 'WMBUS_DEMO', 'WMBUS_CONFIG']) delete env[name];
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, 'run'], { cwd: repoRoot, env });
  let log = '';
  child.stderr.on('data', (d: Buffer) => (log += d.toString()));
  child.stdout.on('data', (d: Buffer) => (log += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let early: number | null | 'running' = 'running';
  // Until "running" (or the end of the process, whichever comes first).
  await new Promise<void>((resolve, reject) => {
    const timer = setInterval(() => {
      if (/running: /.test(log)) {
        clearInterval(timer);
        resolve();
      }
    }, 20);
    void exited.then((code) => {
      clearInterval(timer);
      early = code;
      if (/running: /.test(log)) resolve();
      else reject(new Error(`run ended with ${code} before "running":\n${log}`));
    });
  });
  // The broken run ended (status 13) within milliseconds of "running", as soon as its event loop
  // was empty; a working one stays up whatever the wait, so this bound cannot make the test flaky.
  const ended = await Promise.race([exited, new Promise<'up'>((r) => setTimeout(() => r('up'), 1500))]);
  expect(ended, log).toBe('up');
  expect(early).toBe('running');
  child.kill('SIGTERM');
  expect(await exited).toBe(0);
  expect(log).toMatch(/SIGTERM: stopping/);
  expect(log).toMatch(/stopped/);
}, 60_000);
