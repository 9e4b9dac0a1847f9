/**
 * `wmbus-gateway run`: the long-running service. Reads the configuration once, opens the store,
 * starts the radio (or the demo when no CC1101 is attached) and the outputs, and on SIGTERM or
 * SIGINT stops them and writes the store within a few seconds (balena sends SIGKILL after 10 s).
 */
import { access } from 'node:fs/promises';
import { ConfigError, type GatewayConfig, loadConfig } from '../config/config.js';
import { type FrameSource, Gateway, type Output } from '../gateway/gateway.js';
import { createLogger, type Logger } from '../model/log.js';
import { TimeZone } from '../model/timezone.js';
import { cc1101Options } from '../radio/from-config.js';
import { type RadioOptions, RadioSupervisor } from '../radio/supervisor.js';
import { type CliIo, EXIT_FAILURE, EXIT_OK, UsageError, cliWords } from './io.js';

const STOP_TIMEOUT_MS = 8000;

/**
 * Outputs attach here: each entry loads a module and makes its Output from the configuration
 * (undefined when the configuration turns it off). The service core knows none of them.
 */
export const OUTPUT_FACTORIES: Array<(config: GatewayConfig, log: Logger) => Promise<Output | undefined>> = [
  async (config, log) => (await import('../web/server.js')).webOutputFrom(config, log),
  // the MQTT client library is a good part of the gateway's heap: loaded only when a broker is set
  async (config, log) => (config.mqtt.url ? (await import('../publish/mqtt.js')).mqttOutputFrom(config, log) : undefined),
];

interface RunArgs {
  config?: string;
  data?: string;
  demo: boolean;
}

function parseArgs(args: string[]): RunArgs {
  const out: RunArgs = { demo: false };
  for (const { arg: a, value } of cliWords(args)) {
    if (a === '--config') out.config = value();
    else if (a === '--data') out.data = value();
    else if (a === '--demo') out.demo = true;
    else throw new UsageError(`unknown option ${a}`);
  }
  return out;
}

export async function runCommand(args: string[], io: CliIo): Promise<number> {
  const opts = parseArgs(args);
  let config: GatewayConfig;
  try {
    config = loadConfig({ file: opts.config, overrides: { dataDir: opts.data, demo: opts.demo || undefined } });
  } catch (err) {
    if (err instanceof ConfigError) {
      io.stderr.write(`wmbus-gateway run: ${err.message}\n`);
      return EXIT_FAILURE;
    }
    throw err;
  }
  const log = createLogger(io.stderr, config.logLevel, new TimeZone(config.timeZone));
  // Listen from the first moment: a SIGTERM while the store loads must still end in a clean stop,
  // not in Node's default exit that skips writing the store. It aborts the loading between files.
  const starting = new AbortController();
  const stopSignal = new Promise<NodeJS.Signals>((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      starting.abort();
      resolve(signal);
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });

  const radio = await chooseRadio(config);
  if (radio.demo) {
    // the demo (its meters, its simulated neighbourhood) is loaded only when it plays
    const [{ demoConfig, demoIntro }, { backfillDemo }] = await Promise.all([
      import('../gateway/demo/demo.js'),
      import('../gateway/demo/backfill.js'),
    ]);
    config = demoConfig(config);
    for (const line of demoIntro(radio.reason)) log.info(line);
    await backfillDemo(config, log);
  }
  log.info(
    `data in ${config.dataDir}${config.configFile ? `, settings from ${config.configFile}` : ''}, time zone ${config.timeZone}, store written every ${config.store.flushIntervalS} s`,
  );

  const outputs: Output[] = [];
  for (const make of OUTPUT_FACTORIES) {
    const output = await make(config, log);
    if (output) outputs.push(output);
  }
  const supervisor = radio.options ? new RadioSupervisor(radio.options) : undefined;
  supervisor?.on('warning', (message: string) => log.warn(`radio: ${message}`));
  const source = supervisor as FrameSource | undefined;
  if (!source) log.warn('radio: none configured (WMBUS_RADIO=none); serving stored data only');

  let gateway: Gateway | undefined;
  let failure: Error | undefined;
  try {
    // The page answers (503, starting) while the store loads: seconds with thousands of meters.
    for (const output of outputs) await output.listen?.();
    gateway = await Gateway.open({ config, source, outputs, log, signal: starting.signal });
    if (!starting.signal.aborted) await gateway.start();
  } catch (err) {
    // A signal stops the loading by throwing; that is no failure.
    if (!starting.signal.aborted) failure = err as Error;
  }
  if (failure || starting.signal.aborted || !gateway) {
    if (failure) log.error(`could not start: ${failure.message}`);
    else log.info(`${await stopSignal} during start-up: stopping`);
    // What did start (the page, MQTT, the radio process) would keep a half-working process alive
    // that a supervisor never restarts. The loading stopped between files, or the claims were
    // written whole: nothing is left half done.
    const stopped = gateway ? await stopWithin(gateway, log) : true;
    for (const output of outputs) if (output.listen) await output.stop().catch(() => {});
    if (failure) return EXIT_FAILURE;
    log.info('stopped');
    return stopped ? EXIT_OK : EXIT_FAILURE;
  }
  log.info(`running: ${gateway.meters().length} meter(s) claimed${radio.options ? `, radio ${radio.options.radio}` : ''}`);

  // The radio and the page hold the event loop open; with both off (MQTT from stored data only)
  // nothing would, and Node would end the process right here: wait for the signal all the same.
  const keepAlive = setInterval(() => {}, 1 << 30);
  const signal = await stopSignal;
  clearInterval(keepAlive);
  log.info(`${signal}: stopping, writing the store`);
  if (!(await stopWithin(gateway, log))) return EXIT_FAILURE;
  log.info('stopped');
  return EXIT_OK;
}

/** Stops the gateway and writes the store; false when that failed or took too long. */
async function stopWithin(gateway: Gateway, log: Logger): Promise<boolean> {
  const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), STOP_TIMEOUT_MS).unref());
  const result = await Promise.race([gateway.stop().then(() => 'stopped' as const), timeout]).catch((err: Error) => {
    log.error(`stopping: ${err.message}`);
    return 'failed' as const;
  });
  if (result === 'timeout') log.error(`could not stop within ${STOP_TIMEOUT_MS / 1000} s; exiting anyway`);
  return result === 'stopped';
}

interface RadioChoice {
  options?: RadioOptions;
  demo: boolean;
  reason: string;
}

async function chooseRadio(config: GatewayConfig): Promise<RadioChoice> {
  const demo = async (reason: string): Promise<RadioChoice> => ({
    demo: true,
    reason,
    options: {
      radio: 'sim',
      sim: { airModule: (await import('../gateway/demo/demo.js')).DEMO_AIR_MODULE, airOptions: {}, time: config.radio.simTime },
    },
  });
  const r = config.radio;
  if (config.demo) return demo('demo asked for (--demo or WMBUS_DEMO)');
  if (r.kind === 'none') return { demo: false, reason: 'no radio' };
  if (r.kind === 'sim') {
    return r.simScenario
      ? { demo: false, reason: 'simulated radio', options: { radio: 'sim', sim: { scenarioFile: r.simScenario, time: r.simTime } } }
      : demo('WMBUS_RADIO=sim without a scenario file');
  }
  const real: RadioChoice = { demo: false, reason: 'CC1101', options: cc1101Options(r) };
  if (r.kind === 'cc1101') return real;
  const device = `/dev/spidev${r.spiBus}.${r.spiDevice}`;
  if (
    !(await access(device).then(
      () => true,
      () => false,
    ))
  )
    return demo(`no CC1101 found (${device} does not exist)`);
  if (
    !(await import('spi-device').then(
      () => true,
      () => false,
    ))
  )
    return demo('the spi-device addon is not installed');
  return real;
}
