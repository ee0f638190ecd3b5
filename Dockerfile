# One image for the worker, the gateway and the setup job (see docker-compose.yml).
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev
COPY . .
# The journeys volume (docker-compose.yml) takes its owner from this directory.
RUN mkdir -p /var/lib/lockout/journeys && chown node:node /var/lib/lockout/journeys
USER node
CMD ["npm", "run", "worker"]
