# One image for the worker, the gateway and the setup job (see docker-compose.yml).
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
# jemalloc instead of glibc's malloc (set below, for the running processes): what a worker frees
# outside V8's heaps is given back instead of kept (docs/production.md#memory-allocator).
RUN apt-get update && apt-get install -y --no-install-recommends libjemalloc2 \
 && rm -rf /var/lib/apt/lists/* \
 && ln -s "$(ls /usr/lib/*-linux-gnu/libjemalloc.so.2)" /usr/local/lib/libjemalloc.so.2
COPY package.json package-lock.json ./
RUN npm ci --omit=dev
COPY . .
# The workflow bundle, built once here instead of by webpack at every worker start; a worker whose
# code or tracing setting differs from the bundle's bundles at start instead (docs/production.md).
RUN npx tsx scripts/bundle-workflows.ts --out dist/workflow-bundle.js
ENV LOCKOUT_WORKFLOW_BUNDLE=/app/dist/workflow-bundle.js
# The code stays root's and read-only to the app; what it writes goes to the data directory,
# owned by the unprivileged `node` user. A named volume mounted there (docker-compose.yml) takes
# its owner from this directory when first created.
ENV LOCKOUT_DATA_DIR=/var/lib/lockout/data
RUN mkdir -p /var/lib/lockout/data && chown -R node:node /var/lib/lockout
ENV LD_PRELOAD=/usr/local/lib/libjemalloc.so.2 MALLOC_CONF=background_thread:true
USER node
CMD ["node", "--import", "tsx", "scripts/worker.ts"]
