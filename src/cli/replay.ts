import { type CliIo, EXIT_FAILURE } from './io.js';

// Placeholder until the command lands; its owner replaces this file.
export async function replayCommand(_args: string[], io: CliIo): Promise<number> {
  io.stderr.write('wmbus-gateway replay: not available in this build yet\n');
  return EXIT_FAILURE;
}
