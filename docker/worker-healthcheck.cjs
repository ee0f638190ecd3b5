/* global fetch, AbortSignal -- Node 20 globals */
// The worker's container healthcheck: healthy while it polls Temporal for tasks. Reads the SDK's
// own gauge `temporal_num_pollers` from the worker's Prometheus endpoint (LOCKOUT_WORKER_METRICS);
// a worker that runs but polls nothing (lost connection, shutting down) is unhealthy.
const address = (process.env.LOCKOUT_WORKER_METRICS || '127.0.0.1:9464').replace('0.0.0.0', '127.0.0.1');
fetch(`http://${address}/metrics`, { signal: AbortSignal.timeout(3000) })
  .then((response) => response.text())
  .then((text) => {
    const polling = /^temporal_num_pollers\{[^}]*\} [1-9]/m.test(text);
    if (!polling) console.error('worker is not polling any task queue');
    process.exit(polling ? 0 : 1);
  })
  .catch((err) => {
    console.error(`worker metrics unreachable: ${err.message}`);
    process.exit(1);
  });
