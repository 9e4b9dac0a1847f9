/**
 * The checker itself: on small made-up graphs it must catch each forbidden edge and a cycle, or
 * the architecture test could pass by seeing nothing.
 */
import { describe, expect, it } from 'vitest';
import type { ImportEdge } from './import-graph.js';
import { LAYERS, type KnownViolation } from './layers.js';
import { checkArchitecture, checkEdges, fileCycles, layerCycles } from './rules.js';

const edge = (from: string, to: string, line = 1): ImportEdge => ({ from, line, to });
const rulesOf = (edges: ImportEdge[]): string[] => checkEdges(edges, LAYERS).map((v) => v.rule);

describe('architecture rules', () => {
  it('allows edges that point down and edges inside one layer', () => {
    expect(
      rulesOf([
        edge('src/cli/run.ts', 'src/gateway/gateway.ts'),
        edge('src/gateway/gateway.ts', 'src/store/store.ts'),
        edge('src/store/store.ts', 'src/model/history.ts'),
        edge('src/config/settings.ts', 'src/model/timezone.ts'),
        edge('src/meters/index.ts', 'src/wmbus/types.ts'),
        edge('src/wmbus/decode.ts', 'src/wmbus/frame/types.ts'),
        edge('src/radio/loop.ts', 'drivers/cc1101/cc1101.ts'),
      ]),
    ).toEqual([]);
  });

  it('catches drivers importing src, and names the file and line', () => {
    const [v] = checkEdges([edge('drivers/cc1101/sim/ether.ts', 'src/wmbus/hex.ts', 7)], LAYERS);
    expect(v?.rule).toBe('drivers-no-src');
    expect(v?.message).toMatch(/^drivers\/cc1101\/sim\/ether\.ts:7 imports src\/wmbus\/hex\.ts/);
  });

  it('catches the protocol core importing anything outside src/wmbus', () => {
    expect(rulesOf([edge('src/wmbus/decode.ts', 'src/meters/index.ts')])).toEqual(['wmbus-self-contained']);
    expect(rulesOf([edge('src/wmbus/hex.ts', 'src/model/log.ts')])).toEqual(['wmbus-self-contained']);
    expect(rulesOf([edge('src/wmbus/hex.ts', 'drivers/clock.ts')])).toEqual(['wmbus-self-contained']);
  });

  it('catches the store importing the gateway', () => {
    expect(rulesOf([edge('src/store/store.ts', 'src/gateway/history.ts')])).toEqual(['store-not-gateway']);
  });

  it('catches the configuration importing anything above src/model', () => {
    expect(rulesOf([edge('src/config/settings.ts', 'src/gateway/timezone.ts')])).toEqual(['config-model-and-below']);
    expect(rulesOf([edge('src/config/settings.ts', 'src/store/keys.ts')])).toEqual(['config-model-and-below']);
  });

  it('catches any lower layer importing a higher one, or a sibling of the same rank', () => {
    expect(rulesOf([edge('src/model/reading.ts', 'src/store/store.ts')])).toEqual(['downward-only']);
    expect(rulesOf([edge('src/publish/mqtt.ts', 'src/web/server.ts')])).toEqual(['downward-only']);
    expect(rulesOf([edge('src/radio/loop.ts', 'src/gateway/gateway.ts')])).toEqual(['downward-only']);
    expect(rulesOf([edge('src/store/store.ts', 'src/config/config.ts')])).toEqual(['downward-only']);
  });

  it('catches a file in a folder no layer lists', () => {
    expect(rulesOf([edge('src/cli/run.ts', 'src/newthing/x.ts')])).toEqual(['unlisted']);
  });

  it('catches a cycle between layers and names the edges that close it', () => {
    const cycles = layerCycles(
      [
        edge('src/gateway/gateway.ts', 'src/store/store.ts', 3),
        edge('src/store/store.ts', 'src/model/history.ts', 4),
        edge('src/model/history.ts', 'src/gateway/record.ts', 9),
        edge('src/web/routes.ts', 'src/model/meter.ts', 2),
      ],
      LAYERS,
    );
    expect(cycles).toHaveLength(1);
    expect(cycles[0]?.message).toContain('src/gateway, src/model, src/store');
    expect(cycles[0]?.message).toContain('src/model/history.ts:9 -> src/gateway/record.ts');
    expect(layerCycles([edge('src/gateway/a.ts', 'src/gateway/b.ts'), edge('src/gateway/b.ts', 'src/gateway/a.ts')], LAYERS)).toEqual([]);
  });

  it('catches files that import each other inside one folder, and names the edges', () => {
    const cycle = [
      edge('src/meters/index.ts', 'src/meters/ime.ts', 11),
      edge('src/meters/ime.ts', 'src/meters/record.ts', 4),
      edge('src/meters/record.ts', 'src/meters/index.ts', 2),
    ];
    const found = fileCycles(cycle);
    expect(found.map((v) => v.rule)).toEqual(['file-cycle']);
    expect(found[0]?.message).toContain('src/meters/ime.ts, src/meters/index.ts, src/meters/record.ts');
    expect(found[0]?.message).toContain('src/meters/record.ts:2 -> src/meters/index.ts');
    expect(checkArchitecture(cycle, LAYERS, []).violations.map((v) => v.rule)).toEqual(['file-cycle']);
    expect(fileCycles(cycle.slice(0, 2))).toEqual([]);
  });

  it('excuses known violations, and reports a known violation that has gone as stale', () => {
    const known: KnownViolation[] = [
      { rule: 'wmbus-self-contained', from: 'src/wmbus/tpl.ts', to: 'src/meters/index.ts', removedBy: 'a fix' },
      { rule: 'drivers-no-src', from: 'drivers/x.ts', to: 'src/wmbus/hex.ts', removedBy: 'a fix that landed' },
    ];
    const edges = [
      edge('src/wmbus/tpl.ts', 'src/meters/index.ts'),
      edge('src/meters/index.ts', 'src/wmbus/types.ts'),
      edge('src/wmbus/fields.ts', 'src/meters/index.ts', 13),
    ];
    const { violations, stale } = checkArchitecture(edges, LAYERS, known);
    // the unlisted edge is reported, and so is the cycle it closes; the known one is not
    expect(violations.map((v) => `${v.rule} ${v.from}:${v.line}`)).toEqual([
      'wmbus-self-contained src/wmbus/fields.ts:13',
      'cycle src/meters/index.ts:1',
    ]);
    expect(stale.map((k) => k.from)).toEqual(['drivers/x.ts']);
    expect(checkArchitecture(edges.slice(0, 2), LAYERS, known).violations).toEqual([]);
  });
});
