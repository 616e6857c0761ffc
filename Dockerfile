# syntax=docker/dockerfile:1
# chat-agent-server: build once, run as an unprivileged user on a slim runtime with only production dependencies.

FROM node:20-bookworm-slim AS build
WORKDIR /app
# node-llama-cpp's binaries ship inside npm packages; never let an install step download or compile one.
ENV NODE_LLAMA_CPP_SKIP_DOWNLOAD=true
COPY package.json package-lock.json ./
# --ignore-scripts: `prepare` would build before the sources are here; we build explicitly below.
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY tsconfig.json tsconfig.build.json nest-cli.json ./
COPY src ./src
# The browser playground, bundled by `npm run build` into dist/playground.
COPY web ./web
COPY scripts ./scripts
RUN npm run build && npm prune --omit=dev --ignore-scripts && npm cache clean --force

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    NODE_LLAMA_CPP_SKIP_DOWNLOAD=true \
    HOST=0.0.0.0 \
    PORT=8000 \
    LOG_FORMAT=json \
    LLAMA_MODEL_DIR=/app/models
WORKDIR /app
COPY --from=build --chown=node:node /app/package.json ./
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist ./dist
# Where the embedded model is downloaded to when no upstream is configured; mount a volume here to keep it.
RUN mkdir -p /app/models && chown node:node /app/models
USER node
EXPOSE 8000
# Liveness only (/health); readiness (/ready) is for the orchestrator or the balancer to route on.
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.PORT}/health`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# SIGTERM starts a graceful drain (SHUTDOWN_DRAIN_MS); give the container longer than that to stop.
STOPSIGNAL SIGTERM
CMD ["node", "dist/main.js"]
