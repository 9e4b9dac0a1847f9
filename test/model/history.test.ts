import { describe, expect, it } from 'vitest';
import { type HistoryRow, applyReading, newSeries } from '../../src/model/history.js';
import { TimeZone } from '../../src/model/timezone.js';

const tz = new TimeZone('Europe/Warsaw');
const at = (iso: string) => Date.parse(iso);

function feed(points: Array<[string, number]>) {
  const s = newSeries();
  const hours: HistoryRow[] = [];
  const days: HistoryRow[] = [];
  for (const [iso, value] of points) {
    const r = applyReading(s, { time: at(iso), counters: { energy_import: value }, instant: {} }, tz, 300_000);
    hours.push(...r.closedHours);
    days.push(...r.closedDays);
  }
  return { s, hours, days };
}

describe('history', () => {
  it('spreads energy between two readings over the hours between them', () => {
    const { hours, s } = feed([
      ['2025-06-01T10:30:00+02:00', 0],
      ['2025-06-01T12:30:00+02:00', 4],
      ['2025-06-01T13:00:00+02:00', 4],
    ]);
    expect(hours.map((h) => [tz.isoLocal(h.t), h.d['energy_import'] ?? 0])).toEqual([
      ['2025-06-01T10:00:00+02:00', 1],
      ['2025-06-01T11:00:00+02:00', 2],
      ['2025-06-01T12:00:00+02:00', 1],
    ]);
    expect(
      Object.keys(s.openHours)
        .map(Number)
        .map((t) => tz.isoLocal(t)),
    ).toEqual(['2025-06-01T13:00:00+02:00']);
  });

  it('starts a new series when a counter goes backwards instead of a negative delta', () => {
    const { s, hours } = feed([
      ['2025-06-01T10:00:00+02:00', 100],
      ['2025-06-01T10:30:00+02:00', 105],
      ['2025-06-01T10:40:00+02:00', 3],
      ['2025-06-01T10:50:00+02:00', 4],
      ['2025-06-01T11:00:00+02:00', 4],
    ]);
    expect(hours).toEqual([{ t: at('2025-06-01T10:00:00+02:00'), d: { energy_import: 6 } }]);
    expect(s.resets).toEqual([{ register: 'energy_import', time: at('2025-06-01T10:40:00+02:00'), from: 105, to: 3 }]);
  });

  it('ignores a reading older than the newest one', () => {
    const { hours } = feed([
      ['2025-06-01T10:00:00+02:00', 1],
      ['2025-06-01T10:30:00+02:00', 2],
      ['2025-06-01T10:20:00+02:00', 1.5],
      ['2025-06-01T11:00:00+02:00', 2],
    ]);
    expect(hours).toEqual([{ t: at('2025-06-01T10:00:00+02:00'), d: { energy_import: 1 } }]);
  });

  it('closes a 25-hour day at the autumn DST change with 25 hourly rows', () => {
    const points: Array<[string, number]> = [];
    // 1 kWh per UTC hour from local midnight to the next local midnight (2025-10-26: 25 hours).
    const start = at('2025-10-26T00:00:00+02:00');
    for (let h = 0; h <= 26; h++) points.push([new Date(start + h * 3_600_000).toISOString(), h]);
    const { hours, days } = feed(points);
    const dayHours = hours.filter((r) => r.t >= start && r.t < at('2025-10-27T00:00:00+01:00'));
    expect(dayHours).toHaveLength(25);
    expect(days).toEqual([{ t: start, d: { energy_import: 25 } }]);
  });
});
