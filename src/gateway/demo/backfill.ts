/**
 * The demo's first start: 60 days of the household's history, made from the same simulated meters
 * that then go on sending live, so a newcomer sees full hourly and daily charts at once instead of
 * "No history in this range yet". The telegrams go through the gateway as the radio's would (one
 * per meter and hour, decrypted, checked, recorded) on a clock that walks through those days; only
 * the log stays quiet.
 */
import type { GatewayConfig } from '../../config/config.js';
import { type Logger, silentLogger } from '../../model/log.js';
import { Gateway } from '../gateway.js';
import { DEMO_METERS, frameAt, rssiAt, sendTimes } from './neighbourhood.js';

export const BACKFILL_DAYS = 60;
const HOUR_MS = 3_600_000;

/**
 * Fills the demo's data folder (config as demoConfig made it) with BACKFILL_DAYS of hourly
 * telegrams of the household's meters, ending an hour before `now`. Does nothing when a household
 * meter was already heard (not the first start). Returns the number of telegrams fed.
 */
export async function backfillDemo(config: GatewayConfig, log: Logger, now = Date.now()): Promise<number> {
  const household = DEMO_METERS.filter((m) => m.household);
  const from = Math.floor((now - BACKFILL_DAYS * 24 * HOUR_MS) / HOUR_MS) * HOUR_MS;
  let t = from;
  // Nothing leaves the process meanwhile: no outputs, no radio.
  const gateway = await Gateway.open({ config, log: silentLogger, clock: () => t });
  let fed = 0;
  try {
    if (household.some((m) => gateway.meter(m.id)?.lastSeen !== undefined)) return 0;
    log.info(`demo: first start: making ${BACKFILL_DAYS} days of your meters' history from the same simulated household`);
    for (let hour = from; hour < now - HOUR_MS; hour += HOUR_MS) {
      for (const m of household) {
        const [sent] = sendTimes(m, hour, hour + m.intervalMs);
        if (sent === undefined) continue;
        t = sent;
        gateway.ingestTelegram(frameAt(m, sent), { time: sent, rssi: rssiAt(m, sent), mode: m.mode, frameFormat: m.frameFormat });
        fed++;
      }
    }
  } finally {
    await gateway.stop();
  }
  if (fed > 0) log.info(`demo: ${fed} telegrams of history recorded`);
  return fed;
}
