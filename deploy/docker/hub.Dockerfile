# The gitfleet-hub image: Node 24 runs the TypeScript sources directly (type stripping, no
# build step), with the production dependencies of the @gitfleet/hub workspace only. The web UI
# is the one thing built: esbuild bundles hub/ui/src into hub/ui/dist in a stage of its own, and
# only the bundle reaches the image (served at /ui/).
#
#   docker build -f deploy/docker/hub.Dockerfile -t gitfleet/hub:0.1.0 .    # from the repo root
#
# Not built in this repository's CI: its machines have no Docker engine. The tree it produces
# (npm ci --omit=dev for the workspace, the sources without tests, hub/bin/gitfleet-hub run by a
# non-root user from a root-owned tree) was checked by hand outside Docker: deploy/README.md.
ARG NODE_IMAGE=node:24-slim

# ---- dependencies: only the workspace manifests, so this layer is rebuilt only when they change
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
# npm ci checks the lockfile against every workspace's package.json: all of them are needed.
COPY package.json package-lock.json ./
COPY proto/package.json proto/
COPY hub/package.json hub/
COPY agent/package.json agent/
COPY test/package.json test/
# --ignore-scripts: no install-time code runs (none of these dependencies needs it at run time)
RUN npm ci --omit=dev --workspace=@gitfleet/hub --no-audit --no-fund --ignore-scripts \
  && npm cache clean --force

# ---- the web UI bundle: the hub workspace's build-time dependencies (preact, esbuild) and its
# sources; nothing of this stage but hub/ui/dist goes further
FROM ${NODE_IMAGE} AS ui
WORKDIR /app
COPY package.json package-lock.json ./
COPY proto/package.json proto/
COPY hub/package.json hub/
COPY agent/package.json agent/
COPY test/package.json test/
# esbuild's binary comes from its platform package (an optional dependency): no install script
RUN npm ci --workspace=@gitfleet/hub --include=dev --no-audit --no-fund --ignore-scripts
COPY hub/ui hub/ui
COPY hub/src/http/api hub/src/http/api
RUN node hub/ui/build.ts

# ---- the application: sources without tests and fixtures
FROM deps AS app
COPY scripts/with-node scripts/node-env.sh scripts/
COPY proto/src proto/src
COPY proto/gitfleet proto/gitfleet
COPY hub/bin hub/bin
COPY hub/src hub/src
COPY --from=ui /app/hub/ui/dist hub/ui/dist
RUN find proto hub \( -name '*.test.ts' -o -name '__fixtures__' \) -prune -exec rm -rf {} + \
  && rm -rf test \
  && chmod -R a+rX,go-w /app

# ---- runtime
FROM ${NODE_IMAGE}
LABEL org.opencontainers.image.title="gitfleet-hub" \
  org.opencontainers.image.description="gitfleet hub"
ENV NODE_ENV=production
WORKDIR /app
# owned by root, read-only for the user that runs it
COPY --from=app /app /app
# the image's own non-root user (node, uid 1000); the manifests run as 1000:1000 with a read-only
# root filesystem
USER 1000:1000
EXPOSE 7443 8080
ENTRYPOINT ["/app/hub/bin/gitfleet-hub"]
