# The roleplane image the manifests run: `roleplane operator`, `roleplane search serve` and `roleplane search index`
# are subcommands of one CLI. Built outside this repo's CI (no Docker engine there):
#   docker build -t ghcr.io/roleplane/roleplane:0.1.0 .
FROM node:20.20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
# tsx runs the TypeScript sources at run time, so there is no build step; dev dependencies are not needed.
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
# Only what runs in the pods: the CLI and the two workloads. tools/ (the local cluster, the search demo and the
# tiny-model generator), test/ and bench/ stay out; `roleplane cluster` says it is not part of this installation.
# charts/ and imports/ are here only because `roleplane synth` is still a subcommand of the same CLI; they go when
# synth leaves the image. tsconfig.json tells tsx how to compile the sources at run time.
COPY bin ./bin
COPY cli ./cli
COPY operator ./operator
COPY workloads ./workloads
COPY charts ./charts
COPY imports ./imports
COPY tsconfig.json ./
# The UID the manifests run every container as; the root filesystem is mounted read-only there, /tmp is an emptyDir.
USER 10001:10001
ENV NODE_ENV=production
ENTRYPOINT ["node", "bin/roleplane.js"]
