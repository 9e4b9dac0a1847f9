import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../conformance/shared-files.js';

// A gateway on a real radio loads what it runs and nothing else: no simulated chip, no demo
// neighbourhood, no chart library on the server. These modules are only reached through
// `await import()` where the demo or a simulation is chosen; this walks every static import
// (what Node loads up front) from the production entry points and names any that slipped in.

/** What a real radio's `run` loads up front: the CLI, the service, its outputs, the radio process. */
const ENTRIES = ['src/cli/main.ts', 'src/cli/run.ts', 'src/web/server.ts', 'src/publish/mqtt.ts', 'src/radio/process.ts'];

const FORBIDDEN: Array<[RegExp, string]> = [
  [/^src\/gateway\/demo\//, 'demo'],
  [/^drivers\/cc1101\/sim\//, 'simulated CC1101'],
  [/^src\/radio\/sim-(air|radio)\.ts$/, 'simulated radio'],
  [/^uplot$/, 'chart library (the browser loads it, the server only serves the file)'],
];

// `import type` and `export type` are erased; with verbatimModuleSyntax every other import stays.
const STATIC_IMPORT = /^\s*(?:import|export)\s+(?!type\s)(?:[^'";]*?\s+from\s+)?['"]([^'"]+)['"]/gm;

function staticImports(file: string): string[] {
  const text = readFileSync(path.join(repoRoot, file), 'utf8');
  return [...text.matchAll(STATIC_IMPORT)].map((m) => m[1]!);
}

function withoutComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
}

function resolve(from: string, specifier: string): string | undefined {
  if (!specifier.startsWith('.')) return specifier.startsWith('node:') ? undefined : specifier.split('/')[0]!;
  const target = path.posix.normalize(path.posix.join(path.posix.dirname(from), specifier)).replace(/\.js$/, '.ts');
  if (!existsSync(path.join(repoRoot, target))) throw new Error(`${from} imports ${specifier}, which does not exist as ${target}`);
  return target;
}

/** Every module reached by static imports from the entries, with the chain that reached it. */
function loadedUpFront(entries: string[]): Map<string, string[]> {
  const chains = new Map<string, string[]>(entries.map((e) => [e, [e]]));
  const queue = [...entries];
  for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
    for (const specifier of staticImports(file)) {
      const target = resolve(file, specifier);
      if (target === undefined || chains.has(target)) continue;
      chains.set(target, [...chains.get(file)!, target]);
      if (target.endsWith('.ts')) queue.push(target);
    }
  }
  return chains;
}

describe('the production path', () => {
  const loaded = loadedUpFront(ENTRIES);

  it('reaches the service, the outputs and the radio driver', () => {
    // the walk must see real imports, or the check below would pass on nothing
    for (const needed of ['src/gateway/gateway.ts', 'drivers/cc1101/cc1101.ts', 'src/radio/loop.ts', 'mqtt', 'lowdb']) {
      expect(loaded.has(needed), needed).toBe(true);
    }
  });

  it('loads no simulator, demo or chart code up front', () => {
    const offenders = [...loaded.entries()].flatMap(([module, chain]) =>
      FORBIDDEN.filter(([pattern]) => pattern.test(module)).map(([, what]) => `${what}: ${chain.join(' -> ')}`),
    );
    expect(offenders).toEqual([]);
  });

  it('leaves ICU alone: no collation or locale formatting up front, Intl only where a zone has no tz file', () => {
    // ICU's tables live in the Node binary; each use pages in MiB of them (BENCHMARKS.md, footprint).
    const ICU = /\blocaleCompare\b|\bIntl\.|\btoLocale\w*String\b/;
    const users = [...loaded.keys()]
      .filter((m) => m.endsWith('.ts') && m !== 'src/model/timezone.ts')
      .filter((m) => ICU.test(withoutComments(readFileSync(path.join(repoRoot, m), 'utf8'))));
    expect(users).toEqual([]);
  });

  it('recognises a forbidden import when one is there', () => {
    // the module that plays scenarios stands on the simulated chip's air
    const scenarios = loadedUpFront(['src/radio/sim-air.ts']);
    expect([...scenarios.keys()].some((m) => FORBIDDEN[1]![0].test(m))).toBe(true);
  });
});
