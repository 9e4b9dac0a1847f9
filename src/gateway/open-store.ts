/** The store as the gateway keeps it: readings applied by record.ts, retention from the configuration. */
import type { GatewayConfig } from '../config/config.js';
import { type Logger, silentLogger } from '../model/log.js';
import { TimeZone } from '../model/timezone.js';
import { GatewayStore } from '../store/store.js';
import { recordReading } from './record.js';

/** The store as the gateway keeps it: its rule for applying a reading, the configured retention. */
export function openStore(config: GatewayConfig, log: Logger = silentLogger, signal?: AbortSignal): Promise<GatewayStore> {
  const tz = new TimeZone(config.timeZone);
  const s = config.store;
  const sampleMs = s.sampleIntervalS * 1000;
  return GatewayStore.open({
    dir: config.dataDir,
    apply: (state, reading) => recordReading(state, reading, tz, sampleMs),
    retention: { hourlyDays: s.hourlyRetentionDays, dailyDays: s.dailyRetentionDays, sampleHours: s.sampleRetentionHours },
    warn: (m) => log.warn(m),
    info: (m) => log.info(m),
    ...(signal ? { signal } : {}),
  });
}
