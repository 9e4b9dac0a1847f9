import { PassThrough, Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';

async function doctor(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string }> {
  Object.assign(process.env, env);
  const stdout = new PassThrough();
  let out = '';
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  const code = await main(['doctor', '--radio', 'sim', ...args], { stdin: Readable.from([]), stdout, stderr: new PassThrough() });
  return { code, stdout: out };
}

afterEach(() => {
  for (const k of ['WMBUS_SIM_FAULT', 'WMBUS_GDO0', 'WMBUS_GDO2']) delete process.env[k];
});

describe('wmbus-gateway doctor on the simulated radio', () => {
  it('passes a healthy chip with wired GDO pins: exit 0, every check line, a verdict', async () => {
    const r = await doctor(['--seconds', '1'], { WMBUS_GDO0: '24', WMBUS_GDO2: '25' });
    expect(r.code).toBe(0);
    for (const check of [
      'SPI device',
      'chip identity',
      'register read-back',
      'PLL lock',
      'GDO0 wiring',
      'GDO2 wiring',
      'RX state',
      'noise floor',
      'telegrams',
      'service gaps',
      'deaf after telegrams',
      'FIFO level',
      'overflows',
      'real-time scheduling',
    ]) {
      expect(r.stdout).toContain(`] ${check}: `);
    }
    expect(r.stdout).toMatch(/\[ ok \] GDO2 wiring: BCM pin 25 follows GDO2/);
    expect(r.stdout).toMatch(/^verdict: the radio is usable/m);
  }, 30_000);

  it('absent: exit 1, wiring and SPI', async () => {
    const r = await doctor(['--seconds', '1'], { WMBUS_SIM_FAULT: 'absent' });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/\[FAIL\] chip identity: no CC1101 answered .*wiring.*SPI/);
    expect(r.stdout).toMatch(/^verdict: the radio is not usable: chip identity$/m);
  });

  it('clone: exit 0 with the VERSION named', async () => {
    const r = await doctor(['--seconds', '1'], { WMBUS_SIM_FAULT: 'clone' });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/\[WARN\] chip identity: .*VERSION 0x17/);
  }, 30_000);

  it('gdo2-unwired: exit 0, GDO2 and the pin number', async () => {
    const r = await doctor(['--seconds', '1'], { WMBUS_SIM_FAULT: 'gdo2-unwired', WMBUS_GDO2: '17' });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/\[WARN\] GDO2 wiring: BCM pin 17 does not follow GDO2/);
  }, 30_000);

  it('pll-unlocked: exit 1, PLL and lock; --format json carries the same verdict', async () => {
    const r = await doctor(['--seconds', '1', '--format', 'json'], { WMBUS_SIM_FAULT: 'pll-unlocked' });
    expect(r.code).toBe(1);
    const json = JSON.parse(r.stdout) as { usable: boolean; verdict: string; checks: { check: string; detail: string }[] };
    expect(json.usable).toBe(false);
    expect(json.checks.find((c) => c.check === 'PLL lock')!.detail).toMatch(/PLL does not lock/);
    expect(json.verdict).toMatch(/PLL lock/);
  });
});
