import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/config.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'wmbus-config-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('gives working defaults with no file and no environment', () => {
    const c = loadConfig({ env: {}, overrides: { dataDir: dir } });
    expect(c.timeZone).toBe('Europe/Warsaw');
    expect(c.store.flushIntervalS).toBe(30);
    expect(c.http.port).toBe(8080);
    expect(c.mqtt.url).toBeUndefined();
    expect(c.mqtt.wmbusmeters).toBe(false);
    expect(c.configFile).toBeUndefined();
  });

  it('reads <dataDir>/config.json, and the environment wins over it (balena device variables)', async () => {
    await writeFile(
      path.join(dir, 'config.json'),
      JSON.stringify({ http: { port: 8000 }, timeZone: 'UTC', meters: [{ id: '30434741', name: 'Dom' }] }),
    );
    const c = loadConfig({ env: { WMBUS_DATA_DIR: dir, WMBUS_HTTP_PORT: '9000', WMBUS_MQTT_WMBUSMETERS: 'yes' } });
    expect(c.http.port).toBe(9000);
    expect(c.timeZone).toBe('UTC');
    expect(c.mqtt.wmbusmeters).toBe(true);
    expect(c.meters).toEqual([{ id: '30434741', name: 'Dom' }]);
    expect(c.configFile).toBe(path.join(dir, 'config.json'));
  });

  it('takes meters from one environment variable', () => {
    const c = loadConfig({
      env: { WMBUS_METERS: '30434741:67348567528326949493388078121677:Main meter; 12345678::Water' },
      overrides: { dataDir: dir },
    });
    expect(c.meters).toEqual([
      { id: '30434741', key: '67348567528326949493388078121677', name: 'Main meter' },
      { id: '12345678', name: 'Water' },
    ]);
  });

  it('names each refused setting, where it came from and why, all at once', async () => {
    await writeFile(path.join(dir, 'config.json'), JSON.stringify({ htpp: {}, store: { flushIntervalS: 0 } }));
    const problems = problemsOf(() =>
      loadConfig({ env: { WMBUS_DATA_DIR: dir, WMBUS_TIMEZONE: 'Europe/Warsow', WMBUS_MQTT_URL: 'http://x', WMBUS_METERS: '3043:00' } }),
    );
    expect(problems).toHaveLength(5);
    expect(problems.join('\n')).toContain('htpp in ');
    expect(problems.join('\n')).toMatch(/store\.flushIntervalS \(.*config\.json\): 0 must be from 0\.05 to 3600/);
    expect(problems.join('\n')).toMatch(/timeZone \(environment WMBUS_TIMEZONE\): "Europe\/Warsow" must be an IANA time zone/);
    expect(problems.join('\n')).toMatch(/mqtt\.url \(environment WMBUS_MQTT_URL\): "http:\/\/x" must start with mqtt:\/\//);
    // The meters setting can hold keys: its value is never echoed.
    expect(problems.join('\n')).toMatch(/meters \(environment WMBUS_METERS\): the value meter id "3043" must be the 8 digits/);
  });

  it('takes the JSON form of WMBUS_METERS, as config.json writes it', () => {
    const json = JSON.stringify([{ id: '30434741', key: '67348567528326949493388078121677', name: 'Main meter' }, { id: '12345678' }]);
    const c = loadConfig({ env: { WMBUS_METERS: ` ${json}` }, overrides: { dataDir: dir } });
    expect(c.meters).toEqual([{ id: '30434741', key: '67348567528326949493388078121677', name: 'Main meter' }, { id: '12345678' }]);
    const cut = '[{"id": "30434741", "key": "6734856752832694949338807812167';
    const broken = problemsOf(() => loadConfig({ env: { WMBUS_METERS: cut }, overrides: { dataDir: dir } }));
    expect(broken.join('\n')).toMatch(/WMBUS_METERS.*is not valid JSON/);
    expect(broken.join('\n')).not.toContain('67348567');
  });

  it('refuses a meter listed twice and an unknown field in a meter, in the file and in the environment', async () => {
    const key = '67348567528326949493388078121677';
    const twice = problemsOf(() => loadConfig({ env: { WMBUS_METERS: `30434741:${key}:A;30434741::B` }, overrides: { dataDir: dir } }));
    expect(twice.join('\n')).toMatch(/meter 30434741 is listed twice/);
    await writeFile(path.join(dir, 'config.json'), JSON.stringify({ meters: [{ id: '30434741', Key: key }] }));
    const typo = problemsOf(() => loadConfig({ env: { WMBUS_DATA_DIR: dir } }));
    expect(typo.join('\n')).toMatch(/meter 30434741: unknown field "Key"/);
    expect(typo.join('\n')).not.toContain(key);
  });

  it('refuses a config file named on the command line that does not exist or is not JSON', async () => {
    expect(problemsOf(() => loadConfig({ file: path.join(dir, 'nope.json'), env: {} }))[0]).toMatch(/nope\.json: cannot be read/);
    await writeFile(path.join(dir, 'bad.json'), '{ "http": ');
    expect(problemsOf(() => loadConfig({ file: path.join(dir, 'bad.json'), env: {} }))[0]).toMatch(/bad\.json: is not valid JSON/);
  });
});
