# syntax=docker/dockerfile:1
# chat-agent-server: build once, run as an unprivileged user on a slim runtime with only production dependencies.
#
#   docker build -t chat-agent-server .                  CPU image (default target): no CUDA, Vulkan or ARM builds
#   docker build --target gpu -t chat-agent-server:gpu . adds llama.cpp's CUDA and Vulkan builds (LLAMA_GPU=auto)
#
# Node 24 is the current LTS (Node 20 left support in April 2026); CI runs the tests on it too (.ci/run).

FROM node:24-bookworm-slim AS build
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

# The llama.cpp builds for CUDA, Vulkan and ARM are optional dependencies of node-llama-cpp (most of the install);
# the x64 CPU build is a direct dependency, so leaving out the optional ones keeps exactly what a CPU machine loads.
FROM build AS cpu-modules
RUN npm prune --omit=dev --omit=optional --ignore-scripts

FROM node:24-bookworm-slim AS runtime
ENV NODE_ENV=production \
    NODE_LLAMA_CPP_SKIP_DOWNLOAD=true \
    HOST=0.0.0.0 \
    PORT=8000 \
    LOG_FORMAT=json \
    LLAMA_MODEL_DIR=/app/models
WORKDIR /app
# Where the embedded model is downloaded to when no upstream is configured; mount a volume here to keep it.
RUN mkdir -p /app/models && chown node:node /app/models
EXPOSE 8000
# Liveness only (/health); readiness (/ready) is for the orchestrator or the balancer to route on.
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.PORT}/health`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# SIGTERM starts a graceful drain (SHUTDOWN_DRAIN_MS); give the container longer than that to stop.
STOPSIGNAL SIGTERM
CMD ["node", "dist/main.js"]

# GPU: run with `--gpus all` (NVIDIA Container Toolkit) for CUDA; the Vulkan build needs the host's Vulkan driver.
FROM runtime AS gpu
ENV LLAMA_GPU=auto
COPY --from=build --chown=node:node /app/package.json ./
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist ./dist
USER node

# The default target (last stage): CPU only.
FROM runtime AS cpu
COPY --from=cpu-modules --chown=node:node /app/package.json ./
COPY --from=cpu-modules --chown=node:node /app/node_modules ./node_modules
COPY --from=cpu-modules --chown=node:node /app/dist ./dist
USER node
