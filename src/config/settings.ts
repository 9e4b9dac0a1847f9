/**
 * Every setting of the gateway in one table: its place in the JSON file, its environment variable
 * (balena device variables arrive as environment variables), its type and default. A new setting
 * is one row here plus one field in GatewayConfig (config.ts); the README table lists the same.
 */
import { isTimeZone } from '../model/timezone.js';

/** Turns the text of a setting into its value, or returns why it cannot. */
export type Parse = (value: unknown) => { ok: true; value: unknown } | { ok: false; why: string };

export interface Setting {
  /** dotted path in config.json and in GatewayConfig, e.g. "http.port" */
  path: string;
  env: string;
  parse: Parse;
  default: unknown;
  doc: string;
  /** never printed in logs */
  secret?: boolean;
}

const ok = (value: unknown) => ({ ok: true as const, value });
const bad = (why: string) => ({ ok: false as const, why });

export function str(opts: { allowEmpty?: boolean } = {}): Parse {
  return (v) => {
    if (typeof v !== 'string') return bad('must be a string');
    if (!opts.allowEmpty && v.trim() === '') return bad('must not be empty');
    return ok(v);
  };
}

export function optionalStr(): Parse {
  return (v) => (v === undefined || v === null || v === '' ? ok(undefined) : str()(v));
}

// A token of a few characters is guessed in moments, back-off or not.
const ADMIN_TOKEN_MIN = 16;

function adminToken(): Parse {
  return (v) => {
    const r = optionalStr()(v);
    if (!r.ok || r.value === undefined) return r;
    if (String(r.value).trim().length >= ADMIN_TOKEN_MIN) return r;
    return bad(`must have at least ${ADMIN_TOKEN_MIN} characters (or leave it empty to have one generated)`);
  };
}

export function int(min: number, max: number): Parse {
  return (v) => {
    const n = typeof v === 'string' && /^-?\d+$/.test(v.trim()) ? Number(v) : v;
    if (typeof n !== 'number' || !Number.isInteger(n)) return bad(`must be a whole number from ${min} to ${max}`);
    if (n < min || n > max) return bad(`must be from ${min} to ${max}`);
    return ok(n);
  };
}

export function num(min: number, max: number): Parse {
  return (v) => {
    const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
    if (typeof n !== 'number' || !Number.isFinite(n)) return bad(`must be a number from ${min} to ${max}`);
    if (n < min || n > max) return bad(`must be from ${min} to ${max}`);
    return ok(n);
  };
}

export function optionalInt(min: number, max: number): Parse {
  return (v) => (v === undefined || v === null || v === '' ? ok(undefined) : int(min, max)(v));
}

export function bool(): Parse {
  return (v) => {
    if (typeof v === 'boolean') return ok(v);
    if (typeof v === 'string') {
      const s = v.trim().toLowerCase();
      if (['1', 'true', 'yes', 'on'].includes(s)) return ok(true);
      if (['0', 'false', 'no', 'off'].includes(s)) return ok(false);
    }
    return bad('must be true or false (also accepted: 1/0, yes/no, on/off)');
  };
}

export function oneOf<T extends string>(...choices: T[]): Parse {
  return (v) => (typeof v === 'string' && (choices as string[]).includes(v) ? ok(v) : bad(`must be one of ${choices.join(', ')}`));
}

function timeZone(): Parse {
  return (v) => (typeof v === 'string' && isTimeZone(v) ? ok(v) : bad('must be an IANA time zone name such as Europe/Warsaw or UTC'));
}

function url(protocols: string[]): Parse {
  return (v) => {
    if (v === undefined || v === null || v === '') return ok(undefined);
    if (typeof v !== 'string') return bad('must be a URL string');
    try {
      const u = new URL(v);
      if (!protocols.includes(u.protocol)) return bad(`must start with ${protocols.map((p) => p + '//').join(' or ')}`);
      return ok(v);
    } catch {
      return bad(`is not a URL (example: ${protocols[0]}//192.168.1.10:1883)`);
    }
  };
}

function topicPrefix(): Parse {
  return (v) =>
    typeof v === 'string' && v !== '' && !/[#+]/.test(v) && !v.startsWith('/') && !v.endsWith('/')
      ? ok(v)
      : bad('must be a non-empty MQTT topic without wildcards (# +) and without a leading or trailing /');
}

/**
 * Web origins ("http://homeassistant.local:8123"): a list (file) or comma-separated (env); `*`
 * stands for any origin where `wildcard` allows it, `'self'` where `self` does.
 */
function originList(allow: { wildcard?: boolean; self?: boolean } = {}): Parse {
  return (v) => {
    const items = typeof v === 'string' ? v.split(',') : Array.isArray(v) ? v : [null];
    const out: string[] = [];
    for (const item of items) {
      if (typeof item !== 'string') return bad('must be a list of origins such as "http://homeassistant.local:8123"');
      const text = item.trim();
      if (text === '') continue;
      if ((text === '*' && allow.wildcard) || (text === "'self'" && allow.self)) {
        out.push(text);
        continue;
      }
      let origin: string | undefined;
      try {
        origin = new URL(text).origin;
      } catch {
        origin = undefined;
      }
      if (!origin || origin === 'null' || origin !== text.replace(/\/$/, '')) {
        return bad(
          `has ${JSON.stringify(text)}, which is not an origin: scheme, host and port only, e.g. "http://homeassistant.local:8123"`,
        );
      }
      out.push(origin);
    }
    return ok(out);
  };
}

/** Meters given in the configuration: "ID[:KEY][:NAME]" entries separated by ";" (env) or objects (file). */
const METER_FIELDS = ['id', 'key', 'name'];

function meterList(): Parse {
  return (v) => {
    let entries: unknown[];
    if (typeof v === 'string' && v.trim().startsWith('[')) {
      // The JSON form, as in config.json: WMBUS_METERS='[{"id": "...", "key": "...", "name": "..."}]'
      try {
        const parsed = JSON.parse(v) as unknown;
        entries = Array.isArray(parsed) ? parsed : [null];
      } catch {
        // The parser's message quotes the text, and the text holds keys: it is not repeated.
        return bad('is not valid JSON: write [{"id": "...", "key": "...", "name": "..."}] or "ID:KEY:NAME;..."');
      }
    } else if (typeof v === 'string') {
      entries = v
        .split(';')
        .map((s) => s.trim())
        .filter((s) => s !== '')
        .map((s) => {
          const [id, key, ...name] = s.split(':');
          return { id, key: key || undefined, name: name.join(':') || undefined };
        });
    } else {
      entries = Array.isArray(v) ? v : [null];
    }
    const out: Array<{ id: string; key?: string; name?: string }> = [];
    const seen = new Set<string>();
    for (const e of entries) {
      if (typeof e !== 'object' || e === null)
        return bad('must be a list of {"id", "key", "name"} (or "ID:KEY:NAME;..." in the environment)');
      const { id, key, name } = e as Record<string, unknown>;
      if (typeof id !== 'string' || !/^[0-9A-Fa-f]{8}$/.test(id))
        return bad(`meter id ${JSON.stringify(id)} must be the 8 digits printed on the meter`);
      const unknown = Object.keys(e).filter((f) => !METER_FIELDS.includes(f));
      if (unknown.length > 0) return bad(`meter ${id}: unknown field ${JSON.stringify(unknown[0])} (a meter has "id", "key" and "name")`);
      if (key !== undefined && (typeof key !== 'string' || !/^[0-9a-fA-F]{32}$/.test(key)))
        return bad(`key of meter ${id} must be 32 hexadecimal digits (AES-128)`);
      if (name !== undefined && typeof name !== 'string') return bad(`name of meter ${id} must be text`);
      // Two entries for one meter: which key is right cannot be guessed.
      if (seen.has(id.toUpperCase())) return bad(`meter ${id} is listed twice: keep one entry`);
      seen.add(id.toUpperCase());
      out.push({ id: id.toUpperCase(), ...(key ? { key: key.toUpperCase() } : {}), ...(name ? { name } : {}) });
    }
    return ok(out);
  };
}

export const SETTINGS: Setting[] = [
  {
    path: 'dataDir',
    env: 'WMBUS_DATA_DIR',
    parse: str(),
    default: 'data',
    doc: 'folder for the store, keys and backups (a balena named volume: /data)',
  },
  { path: 'timeZone', env: 'WMBUS_TIMEZONE', parse: timeZone(), default: 'Europe/Warsaw', doc: 'time zone of hourly and daily history' },
  {
    path: 'logLevel',
    env: 'WMBUS_LOG_LEVEL',
    parse: oneOf('debug', 'info', 'warn', 'error'),
    default: 'info',
    doc: 'how much the log says',
  },
  { path: 'demo', env: 'WMBUS_DEMO', parse: bool(), default: false, doc: 'run the simulated neighbourhood even when a radio is present' },
  {
    path: 'meters',
    env: 'WMBUS_METERS',
    parse: meterList(),
    default: [],
    doc: 'meters to claim at start: [{"id","key","name"}] or "ID:KEY:NAME;ID:KEY:NAME"',
    secret: true,
  },

  {
    path: 'radio.kind',
    env: 'WMBUS_RADIO',
    parse: oneOf('auto', 'cc1101', 'sim', 'none'),
    default: 'auto',
    doc: 'auto: the CC1101 when /dev/spidev* and the addons are there, else the demo',
  },
  { path: 'radio.spiBus', env: 'WMBUS_SPI_BUS', parse: int(0, 9), default: 0, doc: 'SPI bus (/dev/spidevBUS.DEVICE)' },
  { path: 'radio.spiDevice', env: 'WMBUS_SPI_DEVICE', parse: int(0, 9), default: 0, doc: 'SPI chip select' },
  { path: 'radio.spiSpeedHz', env: 'WMBUS_SPI_SPEED_HZ', parse: int(100_000, 10_000_000), default: 5_000_000, doc: 'SPI clock' },
  { path: 'radio.gdo0', env: 'WMBUS_GDO0', parse: optionalInt(0, 27), default: undefined, doc: 'BCM pin of GDO0 (empty: poll over SPI)' },
  { path: 'radio.gdo2', env: 'WMBUS_GDO2', parse: optionalInt(0, 27), default: undefined, doc: 'BCM pin of GDO2 (empty: poll over SPI)' },
  {
    path: 'radio.simScenario',
    env: 'WMBUS_SIM_SCENARIO',
    parse: optionalStr(),
    default: undefined,
    doc: 'scenario file for radio "sim" (default: the demo neighbourhood)',
  },
  {
    path: 'radio.simTime',
    env: 'WMBUS_SIM_TIME',
    parse: oneOf('real', 'steady'),
    default: 'real',
    doc: 'simulated radio and demo: "real" runs the chip on wall-clock time (a busy machine loses telegrams as a Pi would), "steady" only while the radio loop sleeps (none lost; for tests)',
  },

  {
    path: 'store.flushIntervalS',
    env: 'WMBUS_FLUSH_INTERVAL_S',
    parse: num(0.05, 3600),
    default: 30,
    doc: 'seconds between writes of the store (a power cut loses at most this much)',
  },
  {
    path: 'store.hourlyRetentionDays',
    env: 'WMBUS_HOURLY_RETENTION_DAYS',
    parse: int(2, 3660),
    default: 90,
    doc: 'days of hourly history kept',
  },
  {
    path: 'store.dailyRetentionDays',
    env: 'WMBUS_DAILY_RETENTION_DAYS',
    parse: int(31, 36600),
    default: 3660,
    doc: 'days of daily history kept (10 years)',
  },
  {
    path: 'store.sampleRetentionHours',
    env: 'WMBUS_SAMPLE_RETENTION_HOURS',
    parse: int(1, 24 * 31),
    default: 48,
    doc: 'hours of voltage/power samples kept',
  },
  {
    path: 'store.sampleIntervalS',
    env: 'WMBUS_SAMPLE_INTERVAL_S',
    parse: int(10, 3600),
    default: 300,
    doc: 'voltage/power samples are averaged over this many seconds',
  },
  {
    path: 'store.nearbyRetentionDays',
    env: 'WMBUS_NEARBY_RETENTION_DAYS',
    parse: int(1, 365),
    default: 7,
    doc: 'meters heard nearby are forgotten after this many days of silence',
  },

  { path: 'http.enabled', env: 'WMBUS_HTTP', parse: bool(), default: true, doc: 'serve the LAN page and JSON API' },
  { path: 'http.host', env: 'WMBUS_HTTP_HOST', parse: str(), default: '0.0.0.0', doc: 'address the page listens on' },
  { path: 'http.port', env: 'WMBUS_HTTP_PORT', parse: int(1, 65535), default: 8080, doc: 'port of the page, JSON API and /metrics' },
  {
    path: 'http.corsOrigins',
    env: 'WMBUS_HTTP_CORS_ORIGINS',
    parse: originList({ wildcard: true }),
    default: [],
    doc: 'other web pages (origins) allowed to read the API, comma-separated; * for any (empty: none)',
  },
  {
    path: 'http.frameAncestors',
    env: 'WMBUS_HTTP_FRAME_ANCESTORS',
    parse: originList({ self: true }),
    default: [],
    doc: "pages (origins) that may show the page in a frame, e.g. Home Assistant's (empty: none)",
  },
  {
    path: 'http.adminToken',
    env: 'WMBUS_ADMIN_TOKEN',
    parse: adminToken(),
    default: undefined,
    doc: 'token for changes, at least 16 characters (empty: generated at first start, shown in the log)',
    secret: true,
  },

  {
    path: 'mqtt.url',
    env: 'WMBUS_MQTT_URL',
    parse: url(['mqtt:', 'mqtts:', 'ws:', 'wss:']),
    default: undefined,
    doc: 'broker, e.g. mqtt://192.168.1.10:1883 (empty: MQTT off)',
  },
  { path: 'mqtt.username', env: 'WMBUS_MQTT_USERNAME', parse: optionalStr(), default: undefined, doc: 'broker user' },
  { path: 'mqtt.password', env: 'WMBUS_MQTT_PASSWORD', parse: optionalStr(), default: undefined, doc: 'broker password', secret: true },
  {
    path: 'mqtt.clientId',
    env: 'WMBUS_MQTT_CLIENT_ID',
    parse: optionalStr(),
    default: undefined,
    doc: 'MQTT client id (empty: wmbus-gateway-<host>)',
  },
  {
    path: 'mqtt.tls.ca',
    env: 'WMBUS_MQTT_TLS_CA',
    parse: optionalStr(),
    default: undefined,
    doc: 'file with the CA certificate of the broker (mqtts://)',
  },
  { path: 'mqtt.tls.cert', env: 'WMBUS_MQTT_TLS_CERT', parse: optionalStr(), default: undefined, doc: 'file with a client certificate' },
  {
    path: 'mqtt.tls.key',
    env: 'WMBUS_MQTT_TLS_KEY',
    parse: optionalStr(),
    default: undefined,
    doc: 'file with the client certificate key',
    secret: true,
  },
  { path: 'mqtt.tls.rejectUnauthorized', env: 'WMBUS_MQTT_TLS_VERIFY', parse: bool(), default: true, doc: 'check the broker certificate' },
  {
    path: 'mqtt.topicPrefix',
    env: 'WMBUS_MQTT_TOPIC_PREFIX',
    parse: topicPrefix(),
    default: 'wmbus',
    doc: 'topics are PREFIX/<meter id>/state, PREFIX/status',
  },
  { path: 'mqtt.homeAssistant', env: 'WMBUS_MQTT_HA_DISCOVERY', parse: bool(), default: true, doc: 'publish Home Assistant discovery' },
  {
    path: 'mqtt.discoveryPrefix',
    env: 'WMBUS_MQTT_DISCOVERY_PREFIX',
    parse: topicPrefix(),
    default: 'homeassistant',
    doc: 'Home Assistant discovery prefix',
  },
  {
    path: 'mqtt.wmbusmeters',
    env: 'WMBUS_MQTT_WMBUSMETERS',
    parse: bool(),
    default: false,
    doc: 'also publish wmbusmeters-compatible JSON',
  },
  {
    path: 'mqtt.expireAfterS',
    env: 'WMBUS_MQTT_EXPIRE_AFTER_S',
    parse: int(0, 86400),
    default: 900,
    doc: 'power, voltage and other momentary values show unavailable in Home Assistant when not renewed for this long (0: never)',
  },
  {
    path: 'mqtt.meterSilentAfterS',
    env: 'WMBUS_MQTT_METER_SILENT_AFTER_S',
    parse: int(1, 604800),
    default: 3600,
    doc: 'a meter not heard for this long shows unavailable in Home Assistant',
  },
  {
    path: 'mqtt.demo',
    env: 'WMBUS_MQTT_DEMO',
    parse: bool(),
    default: false,
    doc: 'publish the demo meters too (under PREFIX-demo; off: no MQTT in the demo)',
  },
  {
    path: 'mqtt.wmbusmetersTopic',
    env: 'WMBUS_MQTT_WMBUSMETERS_TOPIC',
    parse: oneOf('name', 'id'),
    default: 'name',
    doc: 'wmbusmeters JSON under PREFIX/<meter name> or PREFIX/<meter id>',
  },
  {
    path: 'mqtt.wmbusmetersPrefix',
    env: 'WMBUS_MQTT_WMBUSMETERS_PREFIX',
    parse: topicPrefix(),
    default: 'wmbusmeters',
    doc: 'topic prefix of the wmbusmeters-compatible JSON',
  },

  { path: 'metrics.enabled', env: 'WMBUS_METRICS', parse: bool(), default: true, doc: 'serve Prometheus text on /metrics' },
];
