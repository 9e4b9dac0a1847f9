/**
 * The layering of src/ and drivers/ as the README's Layout table states it, checked on the real
 * import graph: each forbidden edge is reported with its file and line.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readImportGraph } from './import-graph.js';
import { LAYERS, knownViolations } from './layers.js';
import { checkArchitecture } from './rules.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const graph = readImportGraph(root, ['src', 'drivers']);

describe('architecture', () => {
  it('reads a real graph: every relative import resolves to a file', () => {
    expect(graph.unresolved).toEqual([]);
    expect(graph.files.length).toBeGreaterThan(50);
    expect(graph.edges.length).toBeGreaterThan(100);
  });

  it('has no forbidden import edge and no import cycle between layers', () => {
    const { violations } = checkArchitecture(graph.edges, LAYERS, knownViolations);
    expect(violations.map((v) => `${v.rule}: ${v.message}`)).toEqual([]);
  });

  it('lists as known only violations that still exist (delete an entry once its fix has landed)', () => {
    const { stale } = checkArchitecture(graph.edges, LAYERS, knownViolations);
    expect(stale.map((k) => `${k.rule} ${k.from} -> ${k.to} is gone: remove it from knownViolations`)).toEqual([]);
  });

  it("the README's Layout table shows every layer at its rank", () => {
    const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
    const layout = readme.slice(readme.indexOf('## Layout'), readme.indexOf('\n## ', readme.indexOf('## Layout') + 1));
    const row = (l: (typeof LAYERS)[number]): string => `| ${l.rank} | \`${l.path}${l.path.endsWith('.ts') ? '' : '/'}\` |`;
    const missing = LAYERS.filter((l) => !layout.includes(row(l)));
    expect(missing.map((l) => l.path)).toEqual([]);
  });
});
