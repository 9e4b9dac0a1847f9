import { type CliIo, type Command, EXIT_FAILURE, EXIT_USAGE, UsageError, processIo } from './io.js';
import { OutputError, survivesClosedReader } from './output.js';

interface CommandEntry {
  summary: string;
  usage: string;
  // Loaded on demand so that `decode` never loads the radio drivers, and so on.
  load: () => Promise<Command>;
}

const COMMANDS: Record<string, CommandEntry> = {
  doctor: {
    summary: 'check the radio step by step, listen a while, and say whether it can receive',
    usage: 'wmbus-gateway doctor [--radio cc1101|sim] [--seconds N] [--format text|json]',
    load: async () => (await import('./doctor.js')).doctorCommand,
  },
  run: {
    summary: 'run the gateway service (demo with the simulated radio when no CC1101 is found)',
    usage: 'wmbus-gateway run [--config FILE] [--data DIR] [--demo]',
    load: async () => (await import('./run.js')).runCommand,
  },
  decode: {
    summary: 'decode telegrams given as hex',
    usage: 'wmbus-gateway decode [HEX ...] [--input FILE|-] [--key HEX] [--keys FILE] [--format json|jsonl|fields|text]',
    load: async () => (await import('./decode.js')).decodeCommand,
  },
  replay: {
    summary: 'find frames in a capture (raw bits, hex lines, rtl_wmbus lines) and decode them',
    usage:
      'wmbus-gateway replay FILE|- --input bits|hex|rtlwmbus [--keys FILE] [--format jsonl|fields|text] [--sync-errors N] [--no-repair]',
    load: async () => (await import('./replay.js')).replayCommand,
  },
  listen: {
    summary: 'print every frame the radio receives',
    usage:
      'wmbus-gateway listen [--radio cc1101|sim] [--sim FILE] [--sim-time steady|real] [--count N] [--keys FILE] ' +
      '[--format jsonl|fields|text|rtlwmbus] [--stats]',
    load: async () => (await import('./listen.js')).listenCommand,
  },
};

function help(): string {
  const lines = ['usage: wmbus-gateway <command> [options]', '', 'commands:'];
  for (const [name, entry] of Object.entries(COMMANDS)) lines.push(`  ${name.padEnd(8)} ${entry.summary}`);
  lines.push('', 'Run `wmbus-gateway <command> --help` for the options of one command.');
  return lines.join('\n') + '\n';
}

export async function main(argv: string[], io: CliIo = processIo()): Promise<number> {
  // `wmbus-gateway decode ... | head -1`: the reader going away ends a command quietly, with status 0.
  survivesClosedReader(io.stdout);
  survivesClosedReader(io.stderr);
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(help());
    return name === undefined ? EXIT_USAGE : 0;
  }
  const entry = COMMANDS[name];
  if (!entry) {
    io.stderr.write(`wmbus-gateway: unknown command '${name}'\n\n${help()}`);
    return EXIT_USAGE;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout.write(`usage: ${entry.usage}\n`);
    return 0;
  }
  try {
    const command = await entry.load();
    return await command(rest, io);
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr.write(`wmbus-gateway ${name}: ${err.message}\nusage: ${entry.usage}\n`);
      return EXIT_USAGE;
    }
    if (err instanceof OutputError) {
      io.stderr.write(`wmbus-gateway ${name}: ${err.message}\n`);
      return EXIT_FAILURE;
    }
    throw err;
  }
}
