import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The production install path: `npm pack`, then `npm ci --omit=dev` in a fresh folder from the
 * tarball (what the Docker image and install.sh do), then the gateway starts in demo mode and
 * answers its health check.
 */
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const work = mkdtempSync(path.join(os.tmpdir(), 'packed-install-'));
const app = path.join(work, 'package');
let gateway: ChildProcess | undefined;
let output = '';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

async function waitForHealth(url: string, deadlineMs: number): Promise<Response> {
  let last = '';
  while (Date.now() < deadlineMs) {
    if (gateway?.exitCode !== null) throw new Error(`the gateway exited (${gateway?.exitCode}):\n${output}`);
    try {
      const res = await fetch(url);
      if (res.ok) return res;
      last = `HTTP ${res.status}`;
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`no healthy answer from ${url} (${last}):\n${output}`);
}

describe('the packed tarball, installed with production dependencies only', () => {
  beforeAll(() => {
    execFileSync('npm', ['pack', '--silent', '--pack-destination', work], { cwd: repoRoot, stdio: ['ignore', 'ignore', 'inherit'] });
    const tarball = readdirSync(work).find((f) => f.endsWith('.tgz'));
    if (!tarball) throw new Error('npm pack wrote no tarball');
    execFileSync('tar', ['xzf', path.join(work, tarball), '-C', work]);
    copyFileSync(path.join(repoRoot, 'package-lock.json'), path.join(app, 'package-lock.json'));
    execFileSync('npm', ['ci', '--omit=dev', '--no-audit', '--no-fund', '--prefer-offline'], {
      cwd: app,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  }, 300_000);

  afterAll(() => {
    gateway?.kill('SIGKILL');
    rmSync(work, { recursive: true, force: true });
  });

  it('holds the built program and no development dependencies', () => {
    expect(existsSync(path.join(app, 'dist', 'src', 'cli', 'main.js'))).toBe(true);
    expect(existsSync(path.join(app, 'src', 'web', 'public'))).toBe(true);
    for (const dev of ['typescript', 'vitest', 'tsx', 'playwright-core']) {
      expect(existsSync(path.join(app, 'node_modules', dev)), `${dev} installed`).toBe(false);
    }
    for (const runtime of ['@nikeee/aes-cmac', 'lowdb', 'mqtt', 'uplot']) {
      expect(existsSync(path.join(app, 'node_modules', runtime)), `${runtime} missing`).toBe(true);
    }
  });

  it('starts the demo, answers /healthz and the page, and stops cleanly on SIGTERM', async () => {
    const port = await freePort();
    const data = path.join(work, 'data');
    mkdirSync(data);
    const env = {
      ...process.env,
      NODE_ENV: 'production',
      WMBUS_DATA_DIR: data,
      WMBUS_HTTP_HOST: '127.0.0.1',
      WMBUS_HTTP_PORT: String(port),
    };
    gateway = spawn(process.execPath, [path.join(app, 'bin', 'wmbus-gateway.js'), 'run'], {
      cwd: app,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    gateway.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    gateway.stderr!.on('data', (d: Buffer) => (output += d.toString()));

    const health = await waitForHealth(`http://127.0.0.1:${port}/healthz`, Date.now() + 90_000);
    expect(health.headers.get('content-type')).toMatch(/json/);
    expect(output).toMatch(/demo/);
    const page = await fetch(`http://127.0.0.1:${port}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/<html/i);

    const exited = new Promise<number | null>((resolve) => gateway!.once('exit', (code) => resolve(code)));
    gateway.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(output).toMatch(/stopped/);
  }, 120_000);
});
