/**
 * What other web pages may do with the gateway's page and API, as HTTP headers.
 *
 * Readings say when a household is at home, so by default no other page may read them: without
 * an Access-Control-Allow-Origin header a browser keeps the API's answers from scripts of any
 * other origin (Fetch standard, CORS protocol). `http.corsOrigins` names the pages that may (a
 * dashboard on another host). `http.frameAncestors` names the pages that may show the gateway's
 * page in a frame (a Home Assistant panel); CSP `frame-ancestors` (CSP level 2) says it, and the
 * older X-Frame-Options, which cannot name origins, is sent only while no page may.
 */

/** The security headers of every answer, fixed by the configuration. */
export function securityHeaders(http: { frameAncestors: readonly string[] }): Record<string, string> {
  const ancestors = http.frameAncestors.length > 0 ? http.frameAncestors.join(' ') : "'none'";
  return {
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    ...(http.frameAncestors.length === 0 ? { 'X-Frame-Options': 'DENY' } : {}),
    // Everything the page uses comes from the gateway itself; uPlot sets styles from script.
    'Content-Security-Policy': `default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors ${ancestors}`,
  };
}

/**
 * The CORS headers for a request from `origin`: none unless it is allowed. Only reading is
 * offered: changes need the admin token in a header, which makes a browser ask first (a
 * preflight) and this answers no preflight.
 */
export function corsHeaders(http: { corsOrigins: readonly string[] }, origin: string | undefined): Record<string, string> {
  if (origin === undefined || http.corsOrigins.length === 0) return {};
  if (http.corsOrigins.includes('*')) return { 'Access-Control-Allow-Origin': '*' };
  // Answers are not cached (Cache-Control: no-store), so one origin's answer never reaches another.
  return http.corsOrigins.includes(origin) ? { 'Access-Control-Allow-Origin': origin } : {};
}
