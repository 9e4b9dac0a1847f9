/**
 * Every meter family's own example telegrams (carried by the family, with their source) decode to
 * the fields the family promises, through the real decoder with the set the gateway uses.
 */
import { describe, expect, it } from 'vitest';
import { meterFamilies } from '../../src/meters/index.js';
import { FormatMemory, decodeTelegram } from '../../src/wmbus/decode.js';
import { hex } from '../support/bytes.js';

describe('meter family examples', () => {
  const withExamples = meterFamilies.families.filter((f) => f.examples?.length);
  it('has families with examples', () => expect(withExamples.length).toBeGreaterThan(0));
  for (const family of withExamples) {
    for (const [i, example] of family.examples!.entries()) {
      it(`${family.name} #${i + 1}: decodes to its expected fields`, () => {
        const key = example.key ? hex(example.key) : undefined;
        const result = decodeTelegram(hex(example.telegram), {
          keys: key ? () => key : undefined,
          formats: new FormatMemory(),
          meters: meterFamilies,
        });
        expect(result.ok ? 'ok' : result.error.message).toBe('ok');
        if (!result.ok) return;
        expect(result.telegram.fields).toMatchObject(example.fields);
        if (example.id) expect(result.telegram.id).toBe(example.id);
        expect(result.telegram.unparsed).toBeUndefined();
      });
    }
  }
});
