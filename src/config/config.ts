/**
 * The configuration, read once at start: defaults < config file < environment < command line.
 * Every problem is collected and reported together, each naming the setting, where it came from
 * and why it is refused.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { SETTINGS, type Setting } from './settings.js';

export interface ConfiguredMeter {
  id: string;
  key?: string;
  name?: string;
}

export interface GatewayConfig {
  dataDir: string;
  timeZone: string;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  demo: boolean;
  meters: ConfiguredMeter[];
  radio: {
    kind: 'auto' | 'cc1101' | 'sim' | 'none';
    spiBus: number;
    spiDevice: number;
    spiSpeedHz: number;
    gdo0?: number;
    gdo2?: number;
    simScenario?: string;
    simTime: 'real' | 'steady';
  };
  store: {
    flushIntervalS: number;
    hourlyRetentionDays: number;
    dailyRetentionDays: number;
    sampleRetentionHours: number;
    sampleIntervalS: number;
    nearbyRetentionDays: number;
  };
  http: {
    enabled: boolean;
    host: string;
    port: number;
    adminToken?: string;
    /** origins allowed to read the API from their pages (CORS); '*' for any; empty: none */
    corsOrigins: string[];
    /** origins allowed to show the page in a frame (CSP frame-ancestors); empty: none */
    frameAncestors: string[];
  };
  mqtt: {
    url?: string;
    username?: string;
    password?: string;
    clientId?: string;
    tls: { ca?: string; cert?: string; key?: string; rejectUnauthorized: boolean };
    topicPrefix: string;
    homeAssistant: boolean;
    discoveryPrefix: string;
    wmbusmeters: boolean;
    wmbusmetersPrefix: string;
    /** the last level of the wmbusmeters topic: the meter's name (as wmbusmeters) or its id */
    wmbusmetersTopic: 'name' | 'id';
    /** seconds after which Home Assistant shows a momentary value (power, voltage) unavailable; 0: never */
    expireAfterS: number;
    /** seconds of silence after which a meter's availability topic says offline */
    meterSilentAfterS: number;
    /** in the demo: publish its meters (under `<topicPrefix>-demo`) instead of leaving MQTT off */
    demo: boolean;
  };
  metrics: { enabled: boolean };
  /** where the file settings came from, for the start-up log; undefined when no file was read */
  configFile?: string;
}

/**
 * Topic prefix suffix of a demo that was asked to publish (mqtt.demo): never the real meters' topics.
 * Here, not in the demo, so that a real start can clear the demo's topics without loading the demo.
 */
export const DEMO_TOPIC_SUFFIX = '-demo';

export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(readonly problems: string[]) {
    super(`configuration refused:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

export interface ConfigSources {
  /** path of the JSON file; absent: WMBUS_CONFIG, else <dataDir>/config.json when it exists */
  file?: string;
  env?: NodeJS.ProcessEnv;
  /** command-line values by setting path, e.g. { dataDir: 'x', demo: true } */
  overrides?: Record<string, unknown>;
}

export function loadConfig(sources: ConfigSources = {}): GatewayConfig {
  const env = sources.env ?? process.env;
  const problems: string[] = [];
  const overrides = sources.overrides ?? {};

  // The data folder decides where the default config file is, so it is settled first.
  const dataDirGuess = String(overrides['dataDir'] ?? env['WMBUS_DATA_DIR'] ?? settingByPath('dataDir').default);
  const explicitFile = sources.file ?? env['WMBUS_CONFIG'];
  const file = explicitFile ?? path.join(dataDirGuess, 'config.json');
  const fileValues = readConfigFile(file, explicitFile !== undefined, problems);

  if (fileValues) {
    for (const p of unknownPaths(fileValues, '')) problems.push(`${p} in ${file}: unknown setting (known: see README "Configuration")`);
  }

  const out: Record<string, unknown> = {};
  for (const s of SETTINGS) {
    let raw: unknown = s.default;
    let from = 'default';
    const fromFile = fileValues ? getPath(fileValues, s.path) : undefined;
    if (fromFile !== undefined) {
      raw = fromFile;
      from = file;
    }
    if (env[s.env] !== undefined) {
      raw = env[s.env];
      from = `environment ${s.env}`;
    }
    if (overrides[s.path] !== undefined) {
      raw = overrides[s.path];
      from = 'command line';
    }
    if (raw === undefined) {
      setPath(out, s.path, undefined);
      continue;
    }
    const r = s.parse(raw);
    if (r.ok) setPath(out, s.path, r.value);
    else problems.push(`${s.path} (${from === 'default' ? s.env : from}): ${s.secret ? 'the value' : JSON.stringify(raw)} ${r.why}`);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  const config = out as unknown as GatewayConfig;
  if (fileValues) config.configFile = file;
  return config;
}

function readConfigFile(file: string, required: boolean, problems: string[]): Record<string, unknown> | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if (!required && (err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    problems.push(`config file ${file}: cannot be read (${(err as Error).message})`);
    return undefined;
  }
  try {
    const v = JSON.parse(text) as unknown;
    if (typeof v !== 'object' || v === null || Array.isArray(v)) {
      problems.push(`config file ${file}: must hold one JSON object`);
      return undefined;
    }
    return v as Record<string, unknown>;
  } catch (err) {
    problems.push(`config file ${file}: is not valid JSON (${(err as Error).message})`);
    return undefined;
  }
}

function settingByPath(p: string): Setting {
  const s = SETTINGS.find((x) => x.path === p);
  if (!s) throw new Error(`no setting ${p}`);
  return s;
}

function unknownPaths(obj: Record<string, unknown>, prefix: string): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(obj)) {
    const p = prefix + k;
    if (SETTINGS.some((s) => s.path === p)) continue;
    const isGroup = SETTINGS.some((s) => s.path.startsWith(p + '.'));
    if (isGroup && typeof v === 'object' && v !== null && !Array.isArray(v))
      out.push(...unknownPaths(v as Record<string, unknown>, p + '.'));
    else out.push(p);
  }
  return out;
}

function getPath(obj: Record<string, unknown>, p: string): unknown {
  let cur: unknown = obj;
  for (const part of p.split('.')) {
    if (typeof cur !== 'object' || cur === null) return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

function setPath(obj: Record<string, unknown>, p: string, value: unknown): void {
  const parts = p.split('.');
  let cur = obj;
  for (const part of parts.slice(0, -1)) {
    cur[part] ??= {};
    cur = cur[part] as Record<string, unknown>;
  }
  if (value !== undefined) cur[parts.at(-1)!] = value;
}
