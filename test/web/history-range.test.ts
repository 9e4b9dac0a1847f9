/** Issue 14, point 6: every history range is bounded, whichever end the request leaves out. */
import { afterEach, beforeEach, expect, it } from 'vitest';
import { type Rig, WATER, request, send, startRig } from '../support/web-client.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const T0 = Date.parse('2025-06-20T10:00:00+02:00');
const EARLY = T0 - 400 * DAY;
let rig: Rig;

beforeEach(async () => {
  rig = await startRig({ t0: EARLY });
  await rig.gw.claim({ id: WATER.id, name: 'Water', key: WATER.key });
  // Two runs of hourly telegrams 400 days apart: more than a year of hourly history between them.
  for (const start of [EARLY, T0]) for (let k = 0; k < 4; k++) send(rig, WATER, start + k * HOUR + 60_000);
});
afterEach(() => rig.stop());

const starts = async (query: string, type = 'history') => {
  const answer = await request(rig.base, 'GET', `/api/meters/${WATER.id}/${type}?${query}`);
  expect(answer.status).toBe(200);
  return type === 'history' ? (answer.json as { buckets: Array<{ start: number }> }).buckets.map((b) => b.start) : [];
};

it('a range with only "from" ends a year later; one with only "to" starts the default span before it', async () => {
  const fromOnly = await starts(`resolution=hour&from=${EARLY - HOUR}`);
  expect(fromOnly).toHaveLength(1341);
  expect(Math.max(...fromOnly)).toBeLessThan(EARLY - HOUR + 366 * DAY);

  const toOnly = await starts(`resolution=hour&to=${T0 + 4 * HOUR}`);
  expect(toOnly).toHaveLength(48);
  expect(Math.min(...toOnly)).toBeGreaterThanOrEqual(T0 + 4 * HOUR - 48 * HOUR);

  // from=0 alone once meant every hourly row ever kept.
  expect(await starts('resolution=hour&from=0')).toEqual([]);
  const csv = await request(rig.base, 'GET', `/api/meters/${WATER.id}/history.csv?resolution=hour&from=0`);
  expect(csv.status).toBe(200);
  expect(csv.text.trim().split('\n')).toHaveLength(1); // the header only
});

it('refuses an hourly range of more than a year', async () => {
  const answer = await request(rig.base, 'GET', `/api/meters/${WATER.id}/history?resolution=hour&from=${EARLY}&to=${T0}`);
  expect(answer.status).toBe(400);
  expect(answer.json.message).toMatch(/spans at most 366 days/);
});
