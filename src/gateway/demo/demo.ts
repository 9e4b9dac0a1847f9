/**
 * What `run` changes for the demo: its own data folder (the demo never mixes with real data), the
 * household's meters claimed with their keys, and the simulated radio playing the neighbourhood.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEMO_TOPIC_SUFFIX, type GatewayConfig } from '../../config/config.js';
import { DEMO_METERS } from './neighbourhood.js';

const here = import.meta.url;
// From sources (tsx) the module is air.ts; in the installed package it is dist/.../air.js.
export const DEMO_AIR_MODULE = fileURLToPath(new URL(here.endsWith('.ts') ? './air.ts' : './air.js', here));

export function demoConfig(config: GatewayConfig): GatewayConfig {
  const household = DEMO_METERS.filter((m) => m.household).map((m) => ({ id: m.id, name: m.name, ...(m.key ? { key: m.key } : {}) }));
  // Fake meters on the broker end up in Home Assistant's Energy dashboard: MQTT stays off unless asked.
  const mqtt = config.mqtt.demo
    ? { ...config.mqtt, topicPrefix: `${config.mqtt.topicPrefix}${DEMO_TOPIC_SUFFIX}` }
    : { ...config.mqtt, url: undefined };
  return {
    ...config,
    demo: true,
    mqtt,
    dataDir: path.join(config.dataDir, 'demo'),
    meters: [...household, ...config.meters.filter((m) => !household.some((h) => h.id === m.id))],
  };
}

/** The lines that tell a newcomer what they are looking at. */
export function demoIntro(reason: string): string[] {
  const own = DEMO_METERS.filter((m) => m.household);
  const others = DEMO_METERS.filter((m) => !m.household);
  return [
    `demo: ${reason}; playing a simulated neighbourhood through the real radio driver and a simulated CC1101`,
    `demo: your meters, claimed with their keys: ${own.map((m) => `${m.id} ${m.name}`).join(', ')}; first readings within seconds`,
    `demo: the neighbours' meters show up as heard nearby: ${others.map((m) => m.id).join(', ')}` +
      ` (the neighbour's GAMA 350 ${others[0]!.id} can be claimed with key ${others[0]!.key})`,
  ];
}
