# The gitfleet-agent image: Node 24 runs the TypeScript sources directly (type stripping, no
# build step), with the production dependencies of the @gitfleet/agent workspace only.
#
#   docker build -f deploy/docker/agent.Dockerfile -t gitfleet/agent:0.1.0 .    # from the repo root
#
# Not built in this repository's CI: its machines have no Docker engine. The tree it produces
# (npm ci --omit=dev for the workspace, the sources without tests, agent/bin/gitfleet-agent run by a
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
RUN npm ci --omit=dev --workspace=@gitfleet/agent --no-audit --no-fund --ignore-scripts \
  && npm cache clean --force

# ---- the application: sources without tests and fixtures
FROM deps AS app
COPY scripts/with-node scripts/node-env.sh scripts/
COPY proto/src proto/src
COPY proto/gitfleet proto/gitfleet
COPY agent/bin agent/bin
COPY agent/src agent/src
RUN find proto agent \( -name '*.test.ts' -o -name '__fixtures__' \) -prune -exec rm -rf {} + \
  && rm -rf test \
  && chmod -R a+rX,go-w /app

# ---- runtime
FROM ${NODE_IMAGE}
LABEL org.opencontainers.image.title="gitfleet-agent" \
  org.opencontainers.image.description="gitfleet agent"
ENV NODE_ENV=production
WORKDIR /app
# owned by root, read-only for the user that runs it
COPY --from=app /app /app
# the image's own non-root user (node, uid 1000); the manifests run as 1000:1000 with a read-only
# root filesystem
USER 1000:1000
EXPOSE 8081
ENTRYPOINT ["/app/agent/bin/gitfleet-agent"]
