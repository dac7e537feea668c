# BlogTube Automation: one image for every process (orchestrator worker, model
# worker, webhook bridge, codec server, CLI); the compose service picks the
# command. Secrets are never baked in: they arrive at run time as environment
# variables or, better, as files (`*_FILE`, compose `secrets:`).
#
#   docker build -t blogtube .
#   docker run --rm blogtube node bin/blogtube.js --help

# Debian (glibc: the Temporal core bridge needs it), Node.js LTS, pinned.
ARG NODE_IMAGE=node:22.23.3-bookworm-slim

# ---- build: compile TypeScript with the dev dependencies ----
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: `prepare` would build before the sources are here.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY common ./common
COPY workflows ./workflows
COPY activities ./activities
COPY workers ./workers
COPY client ./client
COPY sandbox ./sandbox
COPY scripts ./scripts
COPY bench ./bench
RUN npm run build

# ---- runtime: production dependencies and the compiled code only ----
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    BLOGTUBE_PROFILE=production \
    BLOGTUBE_MODE=live \
    NPM_CONFIG_UPDATE_NOTIFIER=false
WORKDIR /app
# bubblewrap (bwrap) and ripgrep for the workspace worker's sandboxed commands and search
# (util-linux, for prlimit and setpriv, is in the base image); /workspaces is its root.
RUN apt-get update \
 && apt-get install -y --no-install-recommends bubblewrap ripgrep \
 && rm -rf /var/lib/apt/lists/* \
 && mkdir -p /workspaces && chown node:node /workspaces
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY activities/analysis/issue-type-weights.json ./activities/analysis/issue-type-weights.json
COPY bin ./bin
COPY deploy/healthcheck.mjs ./deploy/healthcheck.mjs
# The image's unprivileged user (uid 1000); nothing under /app is writable by it.
USER node
# Per service: HEALTHCHECK_URL (bridge :3000, orchestrator :9464, model worker :9465,
# workspace worker :9468, codec :8888).
HEALTHCHECK --interval=30s --timeout=5s --start-period=40s --retries=3 \
  CMD ["node", "deploy/healthcheck.mjs"]
# Exec form: node is PID 1 (or tini's child with compose `init: true`) and gets
# SIGTERM itself; workers drain (Worker.run stops on SIGTERM), the bridge closes.
STOPSIGNAL SIGTERM
CMD ["node", "dist/workers/orchestrator.js"]
