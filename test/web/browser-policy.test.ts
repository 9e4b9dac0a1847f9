/**
 * What other web pages may do (real HTTP): by default no page of another origin may read the
 * API (no Access-Control-Allow-Origin on any answer) nor frame the page; both are opened by
 * configuration only, to the origins named.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/config.js';
import { ROUTES } from '../../src/web/routes.js';
import { GAMA, type Rig, request, send, startRig } from '../support/web-client.js';
import { thrownBy } from '../support/errors.js';

const T0 = Date.parse('2025-06-20T10:00:00+02:00');
const HA = 'http://homeassistant.local:8123';
const STRANGER = 'http://evil.example';

/** Every GET route with its parameters filled in, plus the page itself. */
function getPaths(): string[] {
  // The event stream never ends: its headers are the same #handle sets for every route.
  const paths = ROUTES.filter((r) => r.method === 'GET' && r.path !== '/api/events').map((r) => r.path.replace('{id}', GAMA.id));
  return ['/', ...paths];
}

describe('browser policy', () => {
  let rig: Rig | undefined;
  afterEach(async () => {
    await rig?.stop();
    rig = undefined;
  });

  async function rigWith(env: Record<string, string> = {}): Promise<Rig> {
    rig = await startRig({ t0: T0, env });
    send(rig, GAMA, T0);
    await rig.gw.claim({ id: GAMA.id, name: 'Dom', key: GAMA.key! });
    return rig;
  }

  it('with defaults, no answer carries Access-Control-Allow-Origin and the page may not be framed', async () => {
    const r = await rigWith();
    const paths = getPaths();
    expect(paths).toHaveLength(17);
    for (const p of paths) {
      const a = await request(r.base, 'GET', p, { headers: { Origin: STRANGER } });
      expect(a.status, p).toBeLessThan(500);
      expect(a.headers.get('access-control-allow-origin'), p).toBeNull();
      expect(a.headers.get('content-security-policy'), p).toContain("frame-ancestors 'none'");
      expect(a.headers.get('x-frame-options'), p).toBe('DENY');
    }
    // Errors too.
    const missing = await request(r.base, 'GET', '/api/meters/00000000', { headers: { Origin: STRANGER } });
    expect(missing.status).toBe(404);
    expect(missing.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('lets the configured origins read and frame, and nobody else', async () => {
    const r = await rigWith({ WMBUS_HTTP_CORS_ORIGINS: `${HA}, http://grafana.lan:3000`, WMBUS_HTTP_FRAME_ANCESTORS: HA });
    const fromHa = await request(r.base, 'GET', '/api/meters', { headers: { Origin: HA } });
    expect(fromHa.headers.get('access-control-allow-origin')).toBe(HA);
    const fromStranger = await request(r.base, 'GET', '/api/meters', { headers: { Origin: STRANGER } });
    expect(fromStranger.headers.get('access-control-allow-origin')).toBeNull();
    const page = await request(r.base, 'GET', '/', { headers: { Origin: HA } });
    expect(page.headers.get('content-security-policy')).toContain(`frame-ancestors ${HA}`);
    expect(page.headers.get('x-frame-options')).toBeNull();
  });

  it('refuses a setting that is not an origin, naming it', () => {
    thrownBy(
      () => loadConfig({ env: { WMBUS_HTTP_CORS_ORIGINS: 'http://ha.local:8123/lovelace' } }),
      ConfigError,
      /http\.corsOrigins .*not an origin/,
    );
    expect(loadConfig({ env: { WMBUS_HTTP_CORS_ORIGINS: '*' } }).http.corsOrigins).toEqual(['*']);
  });
});
