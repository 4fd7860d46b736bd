# syntax=docker/dockerfile:1
# The trainer agent in a container. Build: docker build -t trainer .
# Run:   docker run -d -p 8000:8000 -v trainer-data:/data --name trainer trainer   (add --gpus all for GPUs)
# Key:   docker exec trainer cat /data/generated-api-key   (or pass -e API_KEYS=…)
# See README "Deploying". Training scripts run inside the container: build FROM this image to add
# Python and your frameworks.

# --- build: compile TypeScript and pack the package as npm would publish it (dist/ included)
FROM node:22-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY . .
RUN npm run build \
 && npm pack --ignore-scripts --pack-destination /tmp \
 && mkdir /app \
 && tar -xzf /tmp/trainer-*.tgz -C /app --strip-components=1 \
 && cp package-lock.json /app/

# --- runtime: the packed package with its production dependencies only, as a non-root user
FROM node:22-bookworm-slim
ENV NODE_ENV=production \
    TRAINER_DATA_DIR=/data \
    API_HOST=0.0.0.0 \
    API_PORT=8000
WORKDIR /app
COPY --from=build /app ./
RUN npm ci --omit=dev --no-audit --no-fund \
 && npm cache clean --force \
 && mkdir -p /data \
 && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.API_PORT || 8000) + '/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "/app/bin/run.js"]
CMD ["agent", "--generate-key"]
