// Container health check: the gateway answers /healthz on its HTTP port, 200 with {"ok": true} while healthy
// (503 with {"ok": false} while its store cannot be written).
const port = process.env.WMBUS_HTTP_PORT || '8080';
try {
  const res = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(4000) });
  const health = await res.json().catch(() => undefined);
  process.exit(res.ok && health?.ok === true ? 0 : 1);
} catch {
  process.exit(1);
}
