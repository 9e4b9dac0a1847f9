/**
 * Names of meter manufacturers by their FLAG code (the three letters of the M-Bus manufacturer
 * field, EN 13757-3 and the FLAG association's list), for people: "EGM" means little on a
 * screen, "Elgama-Elektronika" does. Only makers whose meters are common on wM-Bus in Europe;
 * an unknown code is shown as it is.
 */
const NAMES: Readonly<Record<string, string>> = {
  ABB: 'ABB',
  AMX: 'Apator Metrix',
  APA: 'Apator',
  BMT: 'BMETERS',
  DME: 'Diehl Metering',
  EBZ: 'EBZ',
  EFE: 'Engelmann',
  EGM: 'Elgama-Elektronika',
  ELS: 'Elster',
  EMH: 'EMH metering',
  ESY: 'EasyMeter',
  GAV: 'Carlo Gavazzi',
  HYD: 'Diehl Metering (Hydrometer)',
  ITW: 'Itron',
  KAM: 'Kamstrup',
  LAS: 'Lansen',
  LUG: 'Landis+Gyr',
  NES: 'Networked Energy Services',
  QDS: 'Qundis',
  SAP: 'Diehl Metering (Sappel)',
  SEN: 'Sensus',
  SON: 'Sontex',
  TCH: 'Techem',
  ZRI: 'Zenner',
};

/** The maker's name for a FLAG code, or undefined when it is not in the table. */
export function manufacturerName(flag: string): string | undefined {
  return NAMES[flag.toUpperCase()];
}
