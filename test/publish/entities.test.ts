/** How fields become Home Assistant entities: the classes a user sees in the Energy dashboard and the entity list. */
import { describe, expect, it } from 'vitest';
import { fieldEntities } from '../../src/publish/entities.js';

function entity(field: string, value: number, medium: string) {
  return fieldEntities({ [field]: value }, medium)[0]!;
}

describe('Home Assistant entity classes', () => {
  it('classes a temperature difference as temperature_delta and absolute temperatures as temperature', () => {
    expect(entity('temperature_difference_k', 22.5, 'heat')).toMatchObject({
      deviceClass: 'temperature_delta',
      unit: 'K',
      stateClass: 'measurement',
    });
    expect(entity('flow_temperature_c', 60, 'heat')).toMatchObject({ deviceClass: 'temperature', unit: '°C' });
  });

  it("does not offer a heat meter's circuit volume as a water source, but does a water meter's", () => {
    expect(entity('volume_m3', 767, 'heat').deviceClass).toBe('volume');
    expect(entity('volume_m3', 767, 'heat (outlet)').deviceClass).toBe('volume');
    expect(entity('volume_m3', 12, 'water').deviceClass).toBe('water');
    expect(entity('volume_m3', 12, 'warm water').deviceClass).toBe('water');
    expect(entity('volume_m3', 12, 'gas').deviceClass).toBe('gas');
  });

  it('shows a power limit as a diagnostic without statistics or expiry', () => {
    const limit = entity('power_limit_w', 70_000, 'electricity')!;
    expect(limit).toMatchObject({ deviceClass: 'power', diagnostic: true });
    expect(limit.stateClass).toBeUndefined();
    expect(limit.momentary).toBeUndefined();
  });

  it('adds reactive quantities and unused tariffs 3 and 4 disabled, and the rest enabled', () => {
    expect(entity('energy_import_tariff3_kwh', 0, 'electricity')!.disabledByDefault).toBe(true);
    expect(entity('energy_import_tariff4_kwh', 0, 'electricity')!.disabledByDefault).toBe(true);
    expect(entity('energy_import_tariff3_kwh', 5, 'electricity')!.disabledByDefault).toBeUndefined();
    expect(entity('energy_import_tariff1_kwh', 0, 'electricity')!.disabledByDefault).toBeUndefined();
    expect(entity('reactive_power_inductive_var', 10, 'electricity')!.disabledByDefault).toBe(true);
    expect(entity('reactive_energy_import_kvarh', 10, 'electricity')!.disabledByDefault).toBe(true);
    expect(entity('energy_import_kwh', 16_564, 'electricity')).toMatchObject({ deviceClass: 'energy', stateClass: 'total_increasing' });
    expect(entity('energy_import_kwh', 16_564, 'electricity')!.disabledByDefault).toBeUndefined();
  });

  it('marks momentary values (power, voltage, flow) and not counters', () => {
    expect(entity('power_import_w', 500, 'electricity')!.momentary).toBe(true);
    expect(entity('voltage_l1_v', 230, 'electricity')!.momentary).toBe(true);
    expect(entity('volume_flow_m3h', 0.5, 'water')!.momentary).toBe(true);
    expect(entity('energy_import_kwh', 1, 'electricity')!.momentary).toBeUndefined();
    expect(entity('volume_storage1_m3', 1, 'water')!.momentary).toBeUndefined();
  });
});
