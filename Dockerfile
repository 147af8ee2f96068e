# The roleplane image the manifests run: `roleplane operator`, `roleplane search serve` and `roleplane search index`
# are subcommands of one CLI. With Docker:
#   docker build -t ghcr.io/roleplane/roleplane:0.1.0 .
# Where no registry is reachable, `npm run image` builds the two bases below locally under these same names and then
# builds this file unchanged with podman (tools/image/README.md).

# Stage 1: the runtime's dependencies, and nothing the runtime never loads.
FROM node:20.20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# dependencies are what the image runs; synth (cdk8s), tests and lint are devDependencies, used from a checkout.
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
# Pruned (measured by `du`, 375 MB of packages down to 112 MB), each line a part Node never loads here:
# - other platforms' native builds of onnxruntime-node and usearch, and usearch's C/C++ sources;
# - browser bundles: transformers.js runs its src/ on onnxruntime-node under Node; onnxruntime-web is imported
#   (its main, dist/ort-web.node.js) but never runs, so its WebAssembly builds go; protobufjs's code generator;
# - type declarations and source maps.
RUN arch="$(node -p process.arch)" && cd node_modules \
 && find onnxruntime-node/bin/napi-v3 -mindepth 1 -maxdepth 1 ! -name linux -exec rm -rf {} + \
 && find onnxruntime-node/bin/napi-v3/linux -mindepth 1 -maxdepth 1 ! -name "$arch" -exec rm -rf {} + \
 && find usearch/prebuilds -mindepth 1 -maxdepth 1 ! -name "linux-$arch" -exec rm -rf {} + \
 && rm -rf usearch/binding.gyp usearch/c usearch/cpp usearch/cmake usearch/include usearch/numkong \
 && rm -rf @xenova/transformers/dist protobufjs/cli \
 && find onnxruntime-web/dist -type f ! -name ort-web.node.js -delete \
 && find . -type f \( -name '*.d.ts' -o -name '*.d.mts' -o -name '*.d.cts' -o -name '*.map' \) -delete

# Stage 2: Debian slim, the Node.js binary alone (npm is not needed to run), the pruned packages and the sources.
FROM debian:bookworm-slim
COPY --from=deps /usr/local/bin/node /usr/local/bin/node
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
# Only what runs in the pods: the CLI, the operator and the search workload. tools/ (the local cluster, the search
# demo, the tiny-model generator), test/ and bench/ stay out, and so does synth (charts/, imports/): `roleplane
# synth` and `roleplane cluster` say they are not part of this installation. tsconfig.json tells tsx how to compile
# the sources at run time; package.json gives the version and makes the .js files ES modules.
COPY package.json tsconfig.json ./
COPY bin ./bin
COPY cli ./cli
COPY operator ./operator
COPY workloads ./workloads
# The UID the manifests run every container as; the root filesystem is mounted read-only there, /tmp is an emptyDir.
USER 10001:10001
ENV NODE_ENV=production
ENTRYPOINT ["node", "bin/roleplane.js"]
