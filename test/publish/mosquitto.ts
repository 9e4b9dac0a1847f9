/**
 * A real Mosquitto for the MQTT tests: its own process on a free loopback port with a temporary
 * configuration (anonymous or with a password file, plain or TLS), stopped and started again on the same port
 * to play a broker restart. Retained messages are not persisted, as on a broker that restarts
 * without a persistence file: whatever the gateway wants there after a restart it must republish.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

function findBinary(name: string): string | undefined {
  const dirs = [...(process.env['PATH'] ?? '').split(path.delimiter), '/usr/sbin', '/usr/local/sbin'];
  return dirs.map((d) => path.join(d, name)).find((p) => existsSync(p));
}

export const mosquittoPath = findBinary('mosquitto');
const passwdPath = findBinary('mosquitto_passwd');

/** In CI the broker must be there (the CI script installs it); elsewhere its tests are skipped with a note. */
export function mosquittoMissing(): boolean {
  if (mosquittoPath) return false;
  if (process.env['CI']) throw new Error('mosquitto is not installed, but CI must run the MQTT tests against a real broker');
  console.warn('mosquitto not found (apt-get install mosquitto): skipping the MQTT tests against a real broker');
  return true;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

async function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

export interface Broker {
  port: number;
  url: string;
  /** stops the broker (SIGTERM) and waits for it to exit */
  stop(): Promise<void>;
  /** starts it again on the same port */
  start(): Promise<void>;
  /** freezes it (SIGSTOP): connections stay open and nothing is answered, as on a hung machine */
  pause(): void;
  /** lets a paused broker go on (SIGCONT) */
  resume(): void;
  /** adds or changes a user of a broker started with users, and makes it reread the password file */
  setUser(user: string, password: string): void;
  /** stops it and removes its files */
  dispose(): Promise<void>;
}

/** A CA and a server certificate for 127.0.0.1, made with openssl, for a TLS listener. */
export function makeCertificates(dir: string): { ca: string; cert: string; key: string } {
  const f = (name: string) => path.join(dir, name);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  execFileSync(
    'openssl',
    ['req', '-x509', ...ec, '-keyout', f('ca.key'), '-out', f('ca.pem'), '-days', '2', '-subj', '/CN=wmbus-test-ca'],
    { stdio: 'ignore' },
  );
  execFileSync('openssl', ['req', ...ec, '-keyout', f('server.key'), '-out', f('server.csr'), '-subj', '/CN=127.0.0.1'], {
    stdio: 'ignore',
  });
  writeFileSync(f('san.ext'), 'subjectAltName=IP:127.0.0.1\n');
  execFileSync(
    'openssl',
    [
      'x509',
      '-req',
      '-in',
      f('server.csr'),
      '-CA',
      f('ca.pem'),
      '-CAkey',
      f('ca.key'),
      '-CAcreateserial',
      '-out',
      f('server.pem'),
      '-days',
      '2',
      '-extfile',
      f('san.ext'),
    ],
    { stdio: 'ignore' },
  );
  return { ca: f('ca.pem'), cert: f('server.pem'), key: f('server.key') };
}

export async function startMosquitto(
  opts: { users?: Record<string, string>; tls?: { ca: string; cert: string; key: string } } = {},
): Promise<Broker> {
  if (!mosquittoPath) throw new Error('mosquitto not installed');
  const dir = await mkdtemp(path.join(os.tmpdir(), 'wmbus-mosquitto-'));
  const port = await freePort();
  const passwordFile = path.join(dir, 'passwd');
  const lines = [`listener ${port} 127.0.0.1`, 'persistence false', 'log_dest stderr', 'log_type error', 'log_type warning'];
  // Started as root, mosquitto would switch to its own user, which cannot read this temp folder.
  if (process.getuid?.() === 0) lines.push('user root');
  if (opts.tls) lines.push(`cafile ${opts.tls.ca}`, `certfile ${opts.tls.cert}`, `keyfile ${opts.tls.key}`);
  if (opts.users) {
    if (!passwdPath) throw new Error('mosquitto_passwd not installed');
    for (const [i, [user, password]] of Object.entries(opts.users).entries()) {
      execFileSync(passwdPath, [...(i === 0 ? ['-c'] : []), '-b', passwordFile, user, password]);
    }
    lines.push('allow_anonymous false', `password_file ${passwordFile}`);
  } else {
    lines.push('allow_anonymous true');
  }
  const conf = path.join(dir, 'mosquitto.conf');
  await writeFile(conf, lines.join('\n') + '\n');

  let child: ChildProcess | undefined;
  let stderr = '';
  const start = async () => {
    stderr = '';
    const c = spawn(mosquittoPath, ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
    child = c;
    c.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    for (let i = 0; i < 200; i++) {
      if (c.exitCode !== null) throw new Error(`mosquitto exited with ${c.exitCode}: ${stderr}`);
      if (await accepts(port)) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`mosquitto did not listen on ${port} within 10 s: ${stderr}`);
  };
  const stop = async () => {
    const c = child;
    child = undefined;
    if (!c || c.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      c.once('exit', () => resolve());
      c.kill('SIGTERM');
    });
  };
  await start();
  return {
    port,
    url: `${opts.tls ? 'mqtts' : 'mqtt'}://127.0.0.1:${port}`,
    start,
    stop,
    pause: () => void child?.kill('SIGSTOP'),
    resume: () => void child?.kill('SIGCONT'),
    setUser: (user, password) => {
      execFileSync(passwdPath!, ['-b', passwordFile, user, password]);
      child?.kill('SIGHUP');
    },
    dispose: async () => {
      await stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
