// Container health check: the gateway answers /healthz on its HTTP port.
const port = process.env.WMBUS_HTTP_PORT || '8080';
try {
  const res = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(4000) });
  process.exit(res.ok ? 0 : 1);
} catch {
  process.exit(1);
}
