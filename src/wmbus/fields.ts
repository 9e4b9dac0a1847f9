import type { MbusRecord } from './types.js';

export function buildFields(records: MbusRecord[], header: { manufacturer: string; version: number; deviceType: number }):
  Record<string, number | string> {
  void records; void header;
  return {};
}
