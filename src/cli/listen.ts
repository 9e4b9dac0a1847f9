import { existsSync } from 'node:fs';
import { spidevPath } from '../../drivers/spi/bus.js';
import { ConfigError, loadConfig } from '../config/config.js';
import { cc1101Options } from '../radio/from-config.js';
import { type RadioFrame, type RadioOptions, RadioSupervisor } from '../radio/supervisor.js';
import { meterFamilies } from '../meters/index.js';
import { type DecodeOptions, FormatMemory, decodeTelegram } from '../wmbus/decode.js';
import { formatRtlWmbusLine } from '../wmbus/frame/rtlwmbus.js';
import { loadKeys, resultFieldsLine, resultJson, resultText } from './decode.js';
import { type CliIo, EXIT_FAILURE, EXIT_OK, UsageError, cliWords } from './io.js';
import { LineOutput } from './output.js';
import { type Found, frameJson, frameText } from './replay.js';

/**
 * `wmbus-gateway listen`: start the radio (the CC1101 on SPI, or the simulated chip playing a
 * scenario) and print every frame it receives, in the replay command's shapes plus rssi.
 */

type Format = 'jsonl' | 'fields' | 'text' | 'rtlwmbus';
const FORMATS: readonly Format[] = ['jsonl', 'fields', 'text', 'rtlwmbus'];

interface ListenArgs {
  radio?: 'cc1101' | 'sim';
  sim?: string;
  count?: number;
  keys?: string;
  format: Format;
  /** end with one JSON line of the radio's counters */
  stats: boolean;
  /** the simulated chip's time: steady (default; the same on any machine) or real (wall clock, loses what a Pi would) */
  simTime: 'steady' | 'real';
}

/** After a scenario's last telegram, wait this long for stragglers before ending. */
const SCENARIO_TAIL_MS = 500;

function parseArgs(args: string[]): ListenArgs {
  const out: ListenArgs = { format: 'jsonl', stats: false, simTime: 'steady' };
  for (const { arg, value } of cliWords(args)) {
    if (arg === '--radio') {
      const v = value();
      if (v !== 'cc1101' && v !== 'sim') throw new UsageError(`--radio must be cc1101 or sim, got '${v}'`);
      out.radio = v;
    } else if (arg === '--sim') out.sim = value();
    else if (arg === '--count') {
      const v = Number(value());
      if (!Number.isInteger(v) || v < 1) throw new UsageError('--count must be a whole number of frames, 1 or more');
      out.count = v;
    } else if (arg === '--keys') out.keys = value();
    else if (arg === '--stats') out.stats = true;
    else if (arg === '--sim-time') {
      const v = value();
      if (v !== 'steady' && v !== 'real') throw new UsageError(`--sim-time must be steady or real, got '${v}'`);
      out.simTime = v;
    } else if (arg === '--format') {
      const v = value();
      if (!FORMATS.includes(v as Format)) throw new UsageError(`--format must be one of ${FORMATS.join(', ')}, got '${v}'`);
      out.format = v as Format;
    } else throw new UsageError(`unexpected argument ${arg}`);
  }
  if (out.radio === 'cc1101' && out.sim)
    throw new UsageError('--sim plays a scenario on the simulated chip; it does not go with --radio cc1101');
  if (out.radio === 'sim' && !out.sim)
    throw new UsageError('--radio sim needs --sim FILE (JSON lines: {"atMs":120,"mode":"T","frameHex":"<frame with CRCs>"})');
  return out;
}

const SIM_HINT =
  'To try it without hardware, play a scenario on the simulated CC1101:\n' +
  '  wmbus-gateway listen --sim scenario.jsonl\n' +
  'with one telegram per line: {"atMs":120,"mode":"T","frameHex":"<frame with CRCs>","rssi":-70} ' +
  '(C mode adds "frameFormat":"A" or "B").\n';

function foundOf(f: RadioFrame): Found {
  const frame = { ...f.link, rssi: f.rssi, lqi: f.lqi, freqOffsetHz: f.freqOffsetHz, time: f.time };
  return { frame, mode: f.mode, frameFormat: f.frameFormat };
}

export async function listenCommand(argv: string[], io: CliIo): Promise<number> {
  const args = parseArgs(argv);
  const radio = args.sim ? 'sim' : (args.radio ?? 'cc1101');
  let chip: RadioOptions | undefined;
  if (radio === 'cc1101') {
    // The same bus, chip select and pins as the gateway's configuration (WMBUS_SPI_DEVICE, WMBUS_GDO2, ...).
    try {
      chip = cc1101Options(loadConfig().radio);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      io.stderr.write(`wmbus-gateway listen: ${err.message}\n`);
      return EXIT_FAILURE;
    }
    const device = spidevPath(chip.spi!);
    if (!existsSync(device)) {
      io.stderr.write(
        `wmbus-gateway listen: no radio: ${device} does not exist. On a Raspberry Pi with a CC1101, ` +
          'enable SPI (dtparam=spi=on in config.txt) and reboot.\n' +
          SIM_HINT,
      );
      return EXIT_FAILURE;
    }
  }
  let scenarioEndMs = Infinity;
  if (args.sim) {
    const [{ Ether }, { loadScenario }] = await Promise.all([import('../../drivers/cc1101/sim/ether.js'), import('../radio/sim-air.js')]);
    const ether = new Ether();
    try {
      await loadScenario(args.sim, ether);
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    scenarioEndMs = ether.lastSyncMs + 40 + SCENARIO_TAIL_MS;
  }
  const keys = args.keys !== undefined ? await loadKeys({ keys: args.keys }) : undefined;
  // fields only exist decoded: without keys the clear telegrams still decode
  const decodeOptions: DecodeOptions | undefined =
    keys || args.format === 'fields' ? { keys, formats: new FormatMemory(), meters: meterFamilies } : undefined;
  // Steady simulated time: a scenario plays the same on a busy laptop as on an idle one.
  const options: RadioOptions = chip ?? { radio: 'sim', sim: { scenarioFile: args.sim, time: args.simTime } };
  const supervisor = new RadioSupervisor(options);

  let printed = 0;
  let finish: () => void = () => {};
  const finished = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const out = new LineOutput(io.stdout);
  void out.gone.then(() => finish());
  supervisor.on('frame', (f: RadioFrame) => {
    if (args.count !== undefined && printed >= args.count) return;
    printed++;
    const found = foundOf(f);
    const decoded = decodeOptions ? decodeTelegram(f.link.telegram, decodeOptions) : undefined;
    // The radio cannot wait for a slow reader: lines queue in the output until it catches up.
    if (args.format === 'rtlwmbus') {
      void out.write(formatRtlWmbusLine({ mode: f.mode, telegram: f.link.telegram, time: f.time ?? Date.now(), rssi: f.rssi }) + '\n');
    } else if (args.format === 'fields') void out.write(resultFieldsLine(decoded!, f.time));
    else if (args.format === 'jsonl') {
      void out.write(JSON.stringify({ ...frameJson(found), ...(decoded ? resultJson(decoded) : {}) }) + '\n');
    } else void out.write(frameText(found) + (decoded ? resultText(decoded, printed) : '') + '\n');
    if (args.count !== undefined && printed >= args.count) finish();
  });
  supervisor.on('stats', (s: { listenedMs: number }) => {
    if (s.listenedMs > scenarioEndMs) finish();
  });
  supervisor.on('error', (err: Error) => io.stderr.write(`wmbus-gateway listen: ${err.message}\n`));

  try {
    await supervisor.start();
  } catch (err) {
    io.stderr.write(`wmbus-gateway listen: ${(err as Error).message}\n${radio === 'cc1101' ? SIM_HINT : ''}`);
    return EXIT_FAILURE;
  }
  const onSignal = () => finish();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  // The radio reports its clock once a second; ask more often so a short scenario ends promptly.
  const poll = Number.isFinite(scenarioEndMs) ? setInterval(() => supervisor.requestStats(), 100) : undefined;
  await finished;
  clearInterval(poll);
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  await supervisor.stop();
  await out.flush();
  const s = supervisor.stats;
  if (s) {
    io.stderr.write(
      `listen: ${printed} frame${printed === 1 ? '' : 's'}; radio: ${s.syncs} syncs, ${s.falseSyncs} false syncs, ` +
        `${s.crcFailures} CRC failures, ${s.overflows} overflows\n`,
    );
    if (args.stats) io.stdout.write(JSON.stringify({ stats: s }) + '\n');
  }
  return EXIT_OK;
}
