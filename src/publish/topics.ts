/**
 * Where everything is published. One place, so the README, Home Assistant discovery and the
 * output agree:
 *
 *   <prefix>/status                                  online | offline (retained; offline is the last will)
 *   <prefix>/gateway/state                           gateway counters JSON (retained)
 *   <prefix>/<meter id>/state                        latest reading of a claimed meter JSON (retained)
 *   <prefix>/<meter id>/availability                 online while the meter is heard, offline when silent (retained)
 *   <discoveryPrefix>/sensor/<node>/<object>/config  Home Assistant discovery (retained)
 *   <discoveryPrefix>/status                         Home Assistant's own online/offline (subscribed)
 *   <wmbusmetersPrefix>/<meter name or id>           wmbusmeters-compatible JSON (retained, optional)
 */

export interface TopicSettings {
  topicPrefix: string;
  discoveryPrefix: string;
  wmbusmetersPrefix: string;
}

export interface Topics {
  availability: string;
  gatewayState: string;
  haStatus: string;
  meterState(id: string): string;
  meterAvailability(id: string): string;
  discovery(node: string, object: string): string;
  /** `level`: the meter's name, or its id (mqtt.wmbusmetersTopic) */
  wmbusmeters(level: string): string;
}

/** A name as one topic level: MQTT wildcards and separators become "_". */
export function topicLevel(text: string): string {
  return text.replace(/[/#+\u0000]/g, '_');
}

export function topicsFor(s: TopicSettings): Topics {
  return {
    availability: `${s.topicPrefix}/status`,
    gatewayState: `${s.topicPrefix}/gateway/state`,
    haStatus: `${s.discoveryPrefix}/status`,
    meterState: (id) => `${s.topicPrefix}/${id}/state`,
    meterAvailability: (id) => `${s.topicPrefix}/${id}/availability`,
    discovery: (node, object) => `${s.discoveryPrefix}/sensor/${node}/${object}/config`,
    wmbusmeters: (level) => `${s.wmbusmetersPrefix}/${topicLevel(level)}`,
  };
}
