/**
 * The meter families this gateway knows beyond the standard: the few meters that break the
 * standard, need names the records cannot give, or send proprietary payloads. One small file per
 * family (as rtl_433 keeps one decoder per device), each with its captures in test/meters/. A
 * standard meter needs nothing here. The gateway, CLI, demo and tests pass `meterFamilies` to the
 * decoder (DecodeOptions.meters); the decode core never imports this folder.
 */
import { MeterFamilySet } from '../wmbus/meter-family.js';
import { apator162 } from './apa-162.js';
import { apatorNa1 } from './apa-na1.js';
import { bmtHydrodigit } from './bmt-hydrodigit.js';
import { diehl } from './dme-diehl.js';
import { elgamaGama350 } from './egm-gama350.js';
import { engelmannFaw } from './efe-faw.js';
import { imeConto } from './ime.js';
import { kamstrupCompact } from './kam-compact.js';
import { qundisBlock } from './qds-ff5f.js';
import { schneiderIem3000 } from './sec-iem3000.js';
import { techemMkradio } from './tch-mkradio.js';

export const meterFamilies = new MeterFamilySet([
  elgamaGama350,
  kamstrupCompact,
  schneiderIem3000,
  imeConto,
  bmtHydrodigit,
  qundisBlock,
  engelmannFaw,
  diehl,
  apatorNa1,
  apator162,
  techemMkradio,
]);
