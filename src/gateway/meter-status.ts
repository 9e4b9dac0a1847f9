/** What a claimed meter's status and log lines say about its telegrams. */
import type { StoredMeter } from '../store/state-doc.js';
import type { DecodeErrorInfo, ErrorCode } from '../wmbus/types.js';
import type { MeterState } from '../model/meter.js';
import type { Reading } from '../model/reading.js';

// Decoder errors that say something about the meter's setup (shown as its status, once);
// the others (CRC, truncated) are radio noise and only counted.
const STATUS_OF_ERROR: Partial<Record<ErrorCode, MeterState>> = {
  WRONG_KEY: 'wrong_key',
  MAC_MISMATCH: 'wrong_key',
  NO_KEY: 'no_key',
  NOT_ENCRYPTED: 'error',
  UNSUPPORTED_SECURITY: 'error',
  UNSUPPORTED_CI: 'error',
};

/** The status a decode error gives a claimed meter, with the sentence shown; undefined for radio noise. */
export function statusOfError(meter: StoredMeter, error: DecodeErrorInfo): { state: MeterState; message: string } | undefined {
  const state = STATUS_OF_ERROR[error.code];
  if (!state) return undefined;
  if (error.code === 'WRONG_KEY' || error.code === 'MAC_MISMATCH') {
    const message =
      `the key of meter ${meter.id} (${meter.name}) does not decrypt its telegrams (${error.message}): ` +
      'check the key your operator gave you and enter it again';
    return { state, message };
  }
  if (error.code === 'NO_KEY') {
    const message = `meter ${meter.id} (${meter.name}) sends encrypted telegrams and has no key: add the key your operator gave you`;
    return { state, message };
  }
  return { state, message: `meter ${meter.id} (${meter.name}): ${error.message}` };
}

export function replayMessage(meter: StoredMeter, counter: number, lastCounter: number): string {
  return (
    `meter ${meter.id} sent message counter ${counter}, not above the last accepted ${lastCounter}: ` +
    'the telegram was rejected as a replay (if the meter was replaced, remove it and claim it again)'
  );
}

/** One log line per accepted reading: its counters and powers. */
export function describeReading(meter: StoredMeter, r: Reading): string {
  const parts: string[] = [];
  for (const [name, v] of Object.entries(r.counters)) {
    if (/_t\d+$/.test(name)) continue;
    parts.push(`${name.replace('_', ' ')} ${v.toFixed(3)} ${name.startsWith('volume') ? 'm3' : 'kWh'}`);
  }
  for (const name of ['power_import', 'power_export', 'power']) {
    const v = r.instant[name];
    if (v !== undefined) parts.push(`${name.replace('_', ' ')} ${Math.round(v)} W`);
  }
  const rssi = r.rssi !== undefined ? `, ${r.rssi} dBm` : '';
  return `meter ${meter.id} (${meter.name}): ${parts.join(', ') || `${Object.keys(r.fields).length} values`}${rssi}`;
}
