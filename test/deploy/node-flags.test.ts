import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../conformance/shared-files.js';

// The service's Node flags (heap sizes, compiler) were chosen by measurement (BENCHMARKS.md,
// footprint). `npm start`, the systemd unit and the container's entrypoint must start it alike.

const read = (file: string) => readFileSync(path.join(repoRoot, file), 'utf8');
const flagsIn = (words: string) =>
  words
    .trim()
    .split(/\s+/)
    .filter((w) => w.startsWith('--'));

describe('Node flags of the service', () => {
  const pkg = JSON.parse(read('package.json')) as { scripts: Record<string, string> };
  const npmStart = flagsIn(/^node (.*?)bin\/wmbus-gateway\.js run$/.exec(pkg.scripts['start']!)![1]!);

  it('npm start sets the measured heap and compiler flags', () => {
    expect(npmStart).toEqual(expect.arrayContaining(['--max-semi-space-size=1', '--lite-mode']));
  });

  it('the systemd unit starts the service with the same flags', () => {
    const exec = /^ExecStart=\/usr\/bin\/env node (.*?)\S*bin\/wmbus-gateway\.js run$/m.exec(read('deploy/wmbus-gateway.service'));
    expect(exec).not.toBeNull();
    expect(flagsIn(exec![1]!)).toEqual(npmStart);
  });

  it('the container entrypoint starts the service with the same flags on every path', () => {
    const script = read('deploy/entrypoint.sh');
    expect(flagsIn(/^NODE_FLAGS="([^"]*)"$/m.exec(script)![1]!)).toEqual(npmStart);
    const starts = script.split('\n').filter((l) => /\bnode\b.*wmbus-gateway\.js/.test(l));
    expect(starts).toHaveLength(3);
    for (const line of starts) expect(line).toMatch(/node \$NODE_FLAGS \/app\/bin\/wmbus-gateway\.js/);
  });
});
