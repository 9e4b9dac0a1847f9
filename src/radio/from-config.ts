import type { GatewayConfig } from '../config/config.js';
import type { RadioOptions } from './messages.js';

/** The CC1101 options the configuration names (bus, chip select, clock, GDO pins), for `run` and `listen` alike. */
export function cc1101Options(radio: GatewayConfig['radio']): RadioOptions & { radio: 'cc1101' } {
  return {
    radio: 'cc1101',
    spi: { bus: radio.spiBus, device: radio.spiDevice, speedHz: radio.spiSpeedHz },
    pins: { ...(radio.gdo0 !== undefined ? { gdo0: radio.gdo0 } : {}), ...(radio.gdo2 !== undefined ? { gdo2: radio.gdo2 } : {}) },
  };
}
