/**
 * A gateway with the MQTT output in a process of its own, for the last-will test: the test kills
 * it with SIGKILL, as a power cut would, so it never says goodbye to the broker.
 * Arguments: <data dir>; the MQTT settings come from the environment. Prints "connected" once
 * the output is connected.
 */
import { loadConfig } from '../../src/config/config.js';
import { Gateway } from '../../src/gateway/gateway.js';
import { silentLogger } from '../../src/model/log.js';
import { mqttOutputFrom } from '../../src/publish/mqtt.js';

const config = loadConfig({ env: { ...process.env, WMBUS_DATA_DIR: process.argv[2]! } });
const output = mqttOutputFrom(config, silentLogger)!;
const gateway = await Gateway.open({ config, outputs: [output] });
await gateway.start();
const poll = setInterval(() => {
  if (!output.connected) return;
  clearInterval(poll);
  process.stdout.write('connected\n');
}, 20);
