# The roleplane image the manifests run: `roleplane operator`, `roleplane search serve` and `roleplane search index`
# are subcommands of one CLI. Built outside this repo's CI (no Docker engine there):
#   docker build -t ghcr.io/roleplane/roleplane:0.1.0 .
FROM node:20.20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
# tsx runs the TypeScript sources at run time, so there is no build step; dev dependencies are not needed.
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY bin ./bin
COPY charts ./charts
COPY cli ./cli
COPY cluster ./cluster
COPY operator ./operator
COPY workloads ./workloads
COPY imports ./imports
COPY main.ts tsconfig.json ./
# The UID the manifests run every container as; the root filesystem is mounted read-only there, /tmp is an emptyDir.
USER 10001:10001
ENV NODE_ENV=production
ENTRYPOINT ["node", "bin/roleplane.js"]
