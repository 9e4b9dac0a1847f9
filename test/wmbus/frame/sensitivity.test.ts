import { describe, expect, it } from 'vitest';
import { type SensitivityCounts, runSensitivity } from './sensitivity-run.js';

// Costs about 10 s on one core (a million damaged frames through the post-sync path, twice).

function report(title: string, rows: SensitivityCounts[]): void {
  const lines = rows.map(
    (r) =>
      `  ${r.kind}: ${r.damaged} damaged, recovered ${r.recoveredWithoutRepair} without repair / ${r.recoveredWithRepair} with repair ` +
      `(${((100 * r.recoveredWithRepair) / r.damaged).toFixed(1)} %), ${r.repaired} repaired, ${r.wrongRepaired} wrong repairs, ` +
      `${r.wrongUnrepaired} wrong frames that passed every CRC unrepaired`,
  );
  console.log(`${title}\n${lines.join('\n')}`);
}

describe('sensitivity: frames damaged after the sync word', () => {
  it('repair recovers most damaged T and C/A frames and no repaired frame differs from what was sent (1,000,000 frames, 1 flip in 2,000)', () => {
    const rows = runSensitivity(20250620, 1_000_000, 1 / 2000);
    report('1 chip/bit in 2,000 flipped after the sync:', rows);
    expect(rows.reduce((n, r) => n + r.damaged, 0)).toBe(1_000_000);
    for (const r of rows) expect(r.wrongRepaired, r.kind).toBe(0);
    for (const kind of ['T/A', 'C/A']) {
      const r = rows.find((x) => x.kind === kind)!;
      // without repair a damaged frame survives only when the flip hit the postamble
      expect(r.recoveredWithRepair, kind).toBeGreaterThan(0.8 * r.damaged);
      expect(r.recoveredWithRepair, kind).toBeGreaterThan(100 * Math.max(1, r.recoveredWithoutRepair));
    }
    // format B is never repaired: its 126-byte block cannot locate a flip
    const b = rows.find((x) => x.kind === 'C/B')!;
    expect(b.repaired).toBe(0);
    expect(b.recoveredWithRepair).toBe(b.recoveredWithoutRepair);
  });

  it('still makes no wrong repair when 1 chip/bit in 100 is flipped', () => {
    const rows = runSensitivity(7, 200_000, 1 / 100);
    report('1 chip/bit in 100 flipped after the sync:', rows);
    for (const r of rows) expect(r.wrongRepaired, r.kind).toBe(0);
  });
});
