/* global fetch, AbortSignal -- Node 20 globals */
// The gateway's container healthcheck: GET /healthz, which answers 200 only when Temporal and
// the shared store answer (gateway/routes/health.ts).
const port = process.env.LOCKOUT_GATEWAY_PORT || '8080';
fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(5000) })
  .then(async (response) => {
    if (!response.ok) console.error(`healthz ${response.status}: ${await response.text()}`);
    process.exit(response.ok ? 0 : 1);
  })
  .catch((err) => {
    console.error(`gateway unreachable: ${err.message}`);
    process.exit(1);
  });
