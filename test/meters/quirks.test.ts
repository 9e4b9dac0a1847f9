/**
 * Meter quirks, each with captures. Telegrams copied as data from wmbusmeters' driver tests
 * (drivers/src/ime.xmq, drivers/src/iem3000.xmq, simulations/serial_aes.msg; GPL-3.0 project,
 * data only) and the GAMA 350 of wmbusmeters issue #1542 with its owner-published key.
 */
import { describe, expect, it } from 'vitest';
import { meterFamilies } from '../../src/meters/index.js';
import { parseRecords } from '../../src/wmbus/apl/records.js';
import { decodeTelegram } from '../../src/wmbus/decode.js';
import { normaliseRecords } from '../../src/wmbus/meter-family.js';
import { hex } from '../support/bytes.js';

function decode(telegram: string, key?: string) {
  const k = key ? hex(key) : undefined;
  const r = decodeTelegram(hex(telegram), { keys: k ? () => k : undefined, meters: meterFamilies });
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.telegram;
}

describe('Elgama GAMA 350', () => {
  const GAMA =
    'BE44ED144147433001027A1000B005B7A3662DEFD03B3D20026B0E33F551C4AE461571E55DDED714A243BD9ED2E80AFF120B7334F68DE1633C7894DBFCEC1989FD53CDAD6F7ECFF5860597E6F3225465CE461E06F3FF230A5206468BDF0E63B338F28FE0DD249673E24C94344D1E7EEF9769AC946EA572388516FA8442D7CE5015431FC077C292686E3254376D0A259776FC9B62D1A5F762C1F035EE885492CA4B71BD7F93AB00E073B643302803906584546CE8C5E1D7D4FB758208391E2B';
  it('names its reactive power pair inductive/capacitive and its limit record', () => {
    const t = decode(GAMA, '67348567528326949493388078121677');
    expect(t.fields).toMatchObject({
      energy_import_kwh: 7064.63,
      energy_import_tariff1_kwh: 2371.379,
      energy_export_kwh: 0,
      power_import_w: 317,
      reactive_power_capacitive_var: 249,
      voltage_l1_v: 232,
      meter_datetime: '2025-06-20T09:50:47',
    });
    expect(Object.keys(t.fields).some((k) => k.startsWith('reactive_power_export'))).toBe(false);
  });
});

describe('IME Conto (wired M-Bus, registers behind manufacturer VIFs)', () => {
  it('reads energies, scaled by the VIF behind the register code', () => {
    const t = decode(
      '68CBCB6808017278563412A525660200000000849010FF80843B362A0C00849010FF80843C00000000849010FF81843BD1490700849010FF81843C060000008410FF80843BFE180C008420FF80843B381100008410FF80843C000000008420FF80843C000000008410FF81843B393D07008420FF81843B980C00008410FF81843C060000008420FF81843C0000000084A010FF80843B362A0C0084A010FF80843C0000000084A010FF81843BD149070084A010FF81843C0600000004FF90290000000002FF912B00001F00000000004116',
    );
    const energy = t.records.filter((r) => r.quantity === 'energy' && r.direction === 'import');
    // wmbusmeters: positive total 7972.38 kWh, tariff 1 7928.3, tariff 2 44.08
    expect(energy.map((r) => [r.tariff, r.value, r.unit])).toContainEqual([1, 7928.3, 'kWh']);
    expect(energy.map((r) => r.value)).toContain(7972.38);
    expect(t.records.find((r) => r.quantity === 'reactive_energy' && r.direction === 'export' && r.tariff === 1)?.value).toBe(0.06);
  });
});

describe('Schneider Electric iEM3000', () => {
  it('reads subunit 1 as reactive and subunit 2 as apparent', () => {
    const header = { manufacturer: 'SEC', version: 0x15, deviceType: 2 };
    const parsed = parseRecords(hex('0703987D020200000000' + '8740039B7D020200000000' + '858040 2E 02A2BE41'.replace(/ /g, '')));
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    const fixed = normaliseRecords(parsed.apl.records, meterFamilies.familyFor(header));
    expect(fixed.map((r) => [r.quantity, r.unit])).toEqual([
      ['energy', 'kWh'],
      ['reactive_energy', 'kvarh'],
      ['apparent_power', 'VA'],
    ]);
    expect(meterFamilies.familyFor({ ...header, manufacturer: 'ABB' })).toBeUndefined();
  });
});

describe('Kamstrup compact frames', () => {
  it('knows the multical21 format: the one its full frame teaches (E6)', () => {
    const full = parseRecords(hex('02FF207100041308190000441308190000615B7F616713'));
    expect(full.ok).toBe(true);
    if (!full.ok) return;
    expect(meterFamilies.compactFormat(0xa8ed)).toEqual(full.apl.dibVib);
    expect(meterFamilies.compactFormat(0x1234)).toBeUndefined();
  });

  it('decodes a multical21 compact frame heard before any full frame', () => {
    const t = decode('23442D2C998734761B168D2087D19EAD217F1779EDA86AB6710008190000081900007F13');
    expect(t.fields).toMatchObject({ volume_m3: 6.408, volume_storage1_m3: 6.408 });
  });
});
