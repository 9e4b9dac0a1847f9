/**
 * The checker: which import edges the layering forbids, import cycles between layers and between files. A pure
 * function of the edges and the layer table, so rules.test.ts can prove it on small graphs.
 */
import type { ImportEdge } from './import-graph.js';
import type { KnownViolation, Layer } from './layers.js';

export interface Violation {
  rule: string;
  from: string;
  line: number;
  to: string;
  /** what is wrong and what to do, starting with file:line */
  message: string;
}

export interface CheckResult {
  /** forbidden edges and cycles not listed as known */
  violations: Violation[];
  /** known violations whose edge has gone: delete them from the list */
  stale: KnownViolation[];
}

const within = (file: string, folder: string): boolean => file === folder || file.startsWith(`${folder}/`);

/** The layer a file belongs to: the longest listed path containing it. */
export function layerOf(file: string, layers: readonly Layer[]): Layer | undefined {
  let best: Layer | undefined;
  for (const l of layers) if (within(file, l.path) && (best === undefined || l.path.length > best.path.length)) best = l;
  return best;
}

/**
 * Named rules first (their names say what the README's Layout promises), the general rank rule
 * last; an edge is reported once, under the first rule it breaks.
 */
interface NamedRule {
  rule: string;
  breaks: (from: string, to: string, rankOf: (file: string) => number) => boolean;
  why: string;
}

const NAMED_RULES: readonly NamedRule[] = [
  {
    rule: 'drivers-no-src',
    breaks: (from, to) => within(from, 'drivers') && within(to, 'src'),
    why: 'drivers/ know chips and pins, nothing of the application; pass what they need in',
  },
  {
    rule: 'wmbus-self-contained',
    breaks: (from, to) => within(from, 'src/wmbus') && !within(to, 'src/wmbus'),
    why: 'the protocol core imports nothing outside src/wmbus; take what it needs as an option',
  },
  {
    rule: 'store-not-gateway',
    breaks: (from, to) => within(from, 'src/store') && within(to, 'src/gateway'),
    why: 'the store knows documents, not the gateway; move shared shapes to src/model',
  },
  {
    rule: 'config-model-and-below',
    breaks: (from, to, rankOf) => within(from, 'src/config') && !within(to, 'src/config') && rankOf(to) > rankOf('src/model'),
    why: 'the configuration imports src/model and below only',
  },
];

export function checkEdges(edges: readonly ImportEdge[], layers: readonly Layer[]): Violation[] {
  const out: Violation[] = [];
  const rankOf = (f: string): number => layerOf(f, layers)?.rank ?? Number.POSITIVE_INFINITY;
  for (const e of edges) {
    const at = `${e.from}:${e.line}`;
    const unlisted = [e.from, e.to].find((f) => layerOf(f, layers) === undefined);
    if (unlisted !== undefined) {
      out.push({ ...e, rule: 'unlisted', message: `${at}: ${unlisted} is in no layer; add its folder to test/architecture/layers.ts` });
      continue;
    }
    const named = NAMED_RULES.find((r) => r.breaks(e.from, e.to, rankOf));
    if (named) {
      out.push({ ...e, rule: named.rule, message: `${at} imports ${e.to}: ${named.why}` });
      continue;
    }
    const from = layerOf(e.from, layers);
    const to = layerOf(e.to, layers);
    if (from && to && from !== to && to.rank >= from.rank) {
      out.push({
        ...e,
        rule: 'downward-only',
        message: `${at} imports ${e.to}: ${from.path} (rank ${from.rank}) may import only lower ranks, ${to.path} is rank ${to.rank}`,
      });
    }
  }
  return out;
}

/** Strongly connected components of more than one node (Tarjan), each sorted: the cycles of a directed graph. */
function cyclesOf(adj: ReadonlyMap<string, ReadonlySet<string>>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, index.size);
    low.set(v, index.get(v) ?? 0);
    stack.push(v);
    onStack.add(v);
    for (const w of adj.get(v) ?? []) {
      if (!index.has(w)) visit(w);
      if (onStack.has(w)) low.set(v, Math.min(low.get(v) ?? 0, low.get(w) ?? 0, index.get(w) ?? 0));
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    for (let w = stack.pop(); w !== undefined; w = stack.pop()) {
      onStack.delete(w);
      component.push(w);
      if (w === v) break;
    }
    if (component.length > 1) components.push(component.sort());
  };
  for (const v of [...adj.keys()].sort()) if (!index.has(v)) visit(v);
  return components;
}

/** Each cycle of the graph `nodeOf` makes of the edges (edges inside one node left out), with the edges that close it. */
function cycleViolations(
  edges: readonly ImportEdge[],
  nodeOf: (file: string) => string | undefined,
  rule: string,
  what: string,
): Violation[] {
  const adj = new Map<string, Set<string>>();
  const crossing: ImportEdge[] = [];
  for (const e of edges) {
    const a = nodeOf(e.from);
    const b = nodeOf(e.to);
    if (a === undefined || b === undefined || a === b) continue;
    crossing.push(e);
    adj.set(a, (adj.get(a) ?? new Set()).add(b));
  }
  return cyclesOf(adj).map((c) => {
    const inside = crossing.filter((e) => c.includes(nodeOf(e.from) ?? '') && c.includes(nodeOf(e.to) ?? ''));
    const first = inside[0];
    return {
      rule,
      from: first?.from ?? c[0] ?? '',
      line: first?.line ?? 0,
      to: first?.to ?? '',
      message: `${what} ${c.join(', ')}: ${inside.map((e) => `${e.from}:${e.line} -> ${e.to}`).join('; ')}`,
    };
  });
}

/** Cycles between layer entries, each with the edges that make it. */
export function layerCycles(edges: readonly ImportEdge[], layers: readonly Layer[]): Violation[] {
  return cycleViolations(edges, (f) => layerOf(f, layers)?.path, 'cycle', 'import cycle between');
}

/**
 * Cycles between files, inside a folder too: files that import each other can be neither read nor
 * tested one at a time, and which of them runs first depends on who imports them (module order).
 */
export function fileCycles(edges: readonly ImportEdge[]): Violation[] {
  return cycleViolations(edges, (f) => f, 'file-cycle', 'files import each other:');
}

const keyOf = (v: { rule: string; from: string; to: string }): string => `${v.rule} ${v.from} -> ${v.to}`;

/**
 * Every forbidden edge and cycle, minus the known violations; known edges are left out of the
 * cycle search too, so a cycle they close is excused with them.
 */
export function checkArchitecture(edges: readonly ImportEdge[], layers: readonly Layer[], known: readonly KnownViolation[]): CheckResult {
  const knownKeys = new Set(known.map(keyOf));
  const edgeViolations = checkEdges(edges, layers);
  const excused = new Set(edgeViolations.filter((v) => knownKeys.has(keyOf(v))).map((v) => `${v.from}:${v.line}`));
  const remaining = edges.filter((e) => !excused.has(`${e.from}:${e.line}`));
  const seen = new Set(edgeViolations.map(keyOf));
  return {
    violations: [...edgeViolations.filter((v) => !knownKeys.has(keyOf(v))), ...layerCycles(remaining, layers), ...fileCycles(remaining)],
    stale: known.filter((k) => !seen.has(keyOf(k))),
  };
}
