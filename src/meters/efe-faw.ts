/**
 * Engelmann FAW radio water meters (EFE, device types 0x06/0x07/0x16). They send encrypted
 * compact frames (CI 0x73, EN 13757-7 §7.4) and a full frame rarely, so a gateway that just
 * started would wait for the format. This is the record layout of their full frame: the due date
 * (storage 1), the error flags (VIF FD17), the volume at the due date and at the end of the last
 * 15 months (storage 1..16), then clock and total. Format bytes only; the data still comes from
 * the meter, and the full-frame CRC inside the compact frame guards against a wrong layout.
 */
import type { MeterFamily } from '../wmbus/meter-family.js';

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'hex'));

/** storage 2..16: DIF 84/C4 with DIFE 01..08 (storage bit 0 in the DIF, the rest in the DIFE), VIF 13 (litres) */
const MONTHLY_VOLUMES = Array.from({ length: 15 }, (_, i) => {
  const storage = i + 2;
  const dif = storage & 1 ? 'C4' : '84';
  return `${dif}${(storage >> 1).toString(16).padStart(2, '0')}13`;
}).join('');

export const engelmannFaw: MeterFamily = {
  name: 'Engelmann FAW',
  matches: (h) => h.manufacturer === 'EFE' && (h.deviceType === 0x06 || h.deviceType === 0x07 || h.deviceType === 0x16),
  // as the full frame of wmbusmeters' engelmann_faw test (CI 72) sends it, plus clock (046D) and total (0413)
  compactFormats: [hex(`426C441301FD17${MONTHLY_VOLUMES}046D0413`)],
  examples: [
    {
      source: 'wmbusmeters drivers/src/engelmann_faw.xmq test telegram (GPL-3.0 project, data only)',
      telegram:
        '7644C5145528502202077320248622C5140007700060255F2AA2967EB77D0BF310341E3636D9ACC17CC5D69CE5632D7B494CC0718E2DBB916BBEC0C3FF2B0D6087FD0ABB3BA0779564CC089E4527987EF2221D26D7EA448CA59759ACFBEA4E5B0026EF463592B6668FBF680896E78B461DBB77C32903E0',
      key: '5CDB04C8EDFDC09EC49B5E76A24D4822',
      fields: { volume_m3: 253.409, volume_storage1_m3: 228.854, volume_storage2_m3: 252.159, volume_storage16_m3: 172.538 },
    },
  ],
};
