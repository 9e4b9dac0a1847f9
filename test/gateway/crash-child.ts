/**
 * The service as the crash test runs it: a real process with the real store, fed a water meter's
 * telegrams as fast as it takes them (one simulated minute each), killed with SIGKILL by the test.
 * stdout: "start SEQ" (the newest reading it found in the store), "flushed SEQ" (everything up to
 * this reading is on disk), "fed SEQ".
 * Usage: crash-child.ts DATA_DIR FLUSH_INTERVAL_S
 */
import { loadConfig } from '../../src/config/config.js';
import { Gateway } from '../../src/gateway/gateway.js';
import { CRASH_METER, CRASH_T0, crashTelegram } from './crash-feed.js';

const [dataDir, flushS] = process.argv.slice(2);
const config = loadConfig({ env: { WMBUS_DATA_DIR: dataDir!, WMBUS_FLUSH_INTERVAL_S: flushS! } });
let now = CRASH_T0;
const gw = await Gateway.open({ config, clock: () => now });
if (!gw.meter(CRASH_METER)) await gw.claim({ id: CRASH_METER, name: 'Crash test' });
const latest = gw.latest(CRASH_METER);
let seq = latest ? Math.round((latest.time - CRASH_T0) / 60_000) : 0;
now = CRASH_T0 + seq * 60_000;
gw.on('flush', (f) => process.stdout.write(`flushed ${Math.round((f.at - CRASH_T0) / 60_000)}\n`));
await gw.start();
process.stdout.write(`start ${seq}\n`);
setInterval(() => {
  for (let i = 0; i < 2; i++) {
    seq++;
    now = CRASH_T0 + seq * 60_000;
    gw.ingestTelegram(crashTelegram(seq), { time: now });
  }
  process.stdout.write(`fed ${seq}\n`);
}, 1);
