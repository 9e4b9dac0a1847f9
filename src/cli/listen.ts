import { type CliIo, EXIT_FAILURE } from './io.js';

// Placeholder until the command lands; its owner replaces this file.
export async function listenCommand(_args: string[], io: CliIo): Promise<number> {
  io.stderr.write('wmbus-gateway listen: not available in this build yet\n');
  return EXIT_FAILURE;
}
