import { createHash } from 'node:crypto';
import { Chart, type ChartProps, Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import type { Construct } from 'constructs';
import { SEARCH_DEFAULT_PORT, SEARCH_ENV } from '../workloads/search/service/config.js';
import { VALKEY_PORT, VALKEY_SERVICE } from './cache-chart.js';
import { hardened, podSecurity } from './lib/container.js';
import { componentLabels } from './lib/labels.js';
import { spreadAcrossZonesAndHosts } from './lib/patches.js';
import { finishPod, mountTmp } from './lib/pod.js';
import { coresOf, toSize } from './lib/quantity.js';
import { autoscale } from './lib/scaling.js';
import type { SearchValues, ValkeyValues } from './values/schema.js';

export const SEARCH_COMPONENT = 'search';
export const INDEX_BUILD_COMPONENT = 'index-build';
export const SEARCH_SERVICE_PORT = 80;
export const SEARCH_SERVICE_NAME = 'search';

/** The address other roles use for search: its Service's cluster DNS name (the Service listens on port 80). */
export function searchServiceUrl(namespace: string): string {
  return `http://${SEARCH_SERVICE_NAME}.${namespace}.svc`;
}
const DATA_MOUNT = '/data';
const INDEX_DIR = `${DATA_MOUNT}/index`;
/** Where the suggestion blocklist (a ConfigMap) is mounted, and its file. */
const SUGGESTIONS_DIR = '/etc/roleplane/suggestions';
const BLOCKLIST_FILE = 'blocklist.txt';

export interface SearchChartProps extends ChartProps {
  readonly image: string;
  readonly search: SearchValues;
  /** Where the Valkey client Service and its password are. */
  readonly valkey: Pick<ValkeyValues, 'namespace' | 'passwordSecret'>;
}

/**
 * The product-search service: a Deployment that mounts the embeddings volume read-only and is ready only once its
 * index is loaded (`/readyz`), the index-build Job that writes that volume, a Service, an HPA and a PDB.
 */
export class SearchChart extends Chart {
  constructor(scope: Construct, id: string, props: SearchChartProps) {
    super(scope, id, props);
    const { search, image } = props;
    const namespace = search.namespace;
    const podLabels = componentLabels(SEARCH_COMPONENT);

    const embeddings = new kplus.PersistentVolumeClaim(this, 'Embeddings', {
      metadata: { name: 'search-embeddings', namespace },
      accessModes: [
        search.embeddings.accessMode === 'ReadWriteMany'
          ? kplus.PersistentVolumeAccessMode.READ_WRITE_MANY
          : kplus.PersistentVolumeAccessMode.READ_WRITE_ONCE,
      ],
      storageClassName: search.embeddings.storageClass,
      storage: toSize(search.embeddings.size),
    });
    const passwordSecret = kplus.Secret.fromSecretName(this, 'ValkeyPassword', props.valkey.passwordSecret.name);

    const deployment = new kplus.Deployment(this, 'Deployment', {
      metadata: { name: 'search', namespace, labels: podLabels },
      securityContext: podSecurity(),
      containers: [
        hardened({
          name: 'search',
          image,
          args: ['search', 'serve'],
          portNumber: SEARCH_DEFAULT_PORT,
          envVariables: {
            [SEARCH_ENV.host]: kplus.EnvValue.fromValue('0.0.0.0'),
            [SEARCH_ENV.port]: kplus.EnvValue.fromValue(String(SEARCH_DEFAULT_PORT)),
            [SEARCH_ENV.dataDir]: kplus.EnvValue.fromValue(INDEX_DIR),
            [SEARCH_ENV.modelDir]: kplus.EnvValue.fromValue(search.indexBuild.modelPath),
            [SEARCH_ENV.valkeyUrl]: kplus.EnvValue.fromValue(
              `redis://${VALKEY_SERVICE}.${props.valkey.namespace}.svc:${VALKEY_PORT}`,
            ),
            [SEARCH_ENV.valkeyPassword]: kplus.EnvValue.fromSecretValue({
              secret: passwordSecret,
              key: props.valkey.passwordSecret.key,
            }),
            [SEARCH_ENV.suggestMinClients]: kplus.EnvValue.fromValue(String(search.suggestions.minClients)),
            [SEARCH_ENV.suggestMinAgeMinutes]: kplus.EnvValue.fromValue(String(search.suggestions.minAgeMinutes)),
            [SEARCH_ENV.suggestBlocklist]: kplus.EnvValue.fromValue(`${SUGGESTIONS_DIR}/${BLOCKLIST_FILE}`),
            // The node's core count is what the process sees; batched vector searches use what the pod asked for.
            ...(search.embeddingsIn
              ? { [SEARCH_ENV.embeddingsIn]: kplus.EnvValue.fromValue(search.embeddingsIn) }
              : {}),
            [SEARCH_ENV.vectorThreads]: kplus.EnvValue.fromValue(
              String(Math.max(1, Math.ceil(coresOf(search.resources.cpu)))),
            ),
          },
          readiness: kplus.Probe.fromHttpGet('/readyz', {
            port: SEARCH_DEFAULT_PORT,
            periodSeconds: Duration.seconds(5),
          }),
          liveness: kplus.Probe.fromHttpGet('/healthz', {
            port: SEARCH_DEFAULT_PORT,
            periodSeconds: Duration.seconds(20),
            failureThreshold: 3,
          }),
          // Loading a large index takes a while; liveness must not kill the pod meanwhile.
          startup: kplus.Probe.fromHttpGet('/healthz', {
            port: SEARCH_DEFAULT_PORT,
            periodSeconds: Duration.seconds(5),
            failureThreshold: 60,
          }),
          resourceValues: search.resources,
        }),
      ],
    });
    const container = deployment.containers[0]!;
    container.mount(
      DATA_MOUNT,
      kplus.Volume.fromPersistentVolumeClaim(this, 'EmbeddingsVolume', embeddings, { readOnly: true }),
      { readOnly: true },
    );
    // A directory mount, not subPath: the kubelet swaps the file in place when the ConfigMap changes, and the
    // service re-reads it.
    const suggestions = new kplus.ConfigMap(this, 'Suggestions', {
      metadata: { name: 'search-suggestions', namespace },
      // Never empty: the service refuses to start without the file it was told to read.
      data: {
        [BLOCKLIST_FILE]: [
          '# terms never suggested (values: search.suggestions.blocklist)',
          ...search.suggestions.blocklist,
        ]
          .map((line) => `${line}\n`)
          .join(''),
      },
    });
    container.mount(SUGGESTIONS_DIR, kplus.Volume.fromConfigMap(this, 'SuggestionsVolume', suggestions), {
      readOnly: true,
    });
    mountTmp(deployment, container, 256);
    finishPod(deployment, search.pool, podLabels);
    spreadAcrossZonesAndHosts(deployment, podLabels);

    new kplus.Service(this, 'Service', {
      metadata: { name: SEARCH_SERVICE_NAME, namespace },
      selector: deployment,
      ports: [{ name: 'http', port: SEARCH_SERVICE_PORT, targetPort: SEARCH_DEFAULT_PORT }],
    });
    autoscale(this, deployment, { name: 'search', namespace, podLabels, autoscaling: search.autoscaling });

    this.addIndexBuildJob(image, search, embeddings);
  }

  /**
   * A Job's pod template is immutable, so the name carries a hash of what it runs: a new image or new paths
   * make a new Job instead of a failed apply.
   */
  private addIndexBuildJob(image: string, search: SearchValues, embeddings: kplus.PersistentVolumeClaim): void {
    const { catalogPath, rulesPath, modelPath, embeddingsPath, resources } = search.indexBuild;
    const args = [
      'search',
      'index',
      '--catalog',
      catalogPath,
      '--rules',
      rulesPath,
      '--model',
      modelPath,
      ...(embeddingsPath ? ['--embeddings', embeddingsPath] : []),
      '--out',
      INDEX_DIR,
    ];
    const hash = createHash('sha256').update(JSON.stringify({ image, args, resources })).digest('hex').slice(0, 8);
    const podLabels = componentLabels(INDEX_BUILD_COMPONENT);
    const job = new kplus.Job(this, 'IndexBuild', {
      metadata: { name: `search-index-${hash}`, namespace: search.namespace, labels: podLabels },
      securityContext: podSecurity(),
      backoffLimit: 2,
      activeDeadline: Duration.hours(2),
      ttlAfterFinished: Duration.days(1),
      containers: [hardened({ name: 'index-build', image, args, resourceValues: resources })],
    });
    const container = job.containers[0]!;
    container.mount(DATA_MOUNT, kplus.Volume.fromPersistentVolumeClaim(this, 'IndexBuildVolume', embeddings));
    mountTmp(job, container, 1024);
    finishPod(job, search.pool, podLabels);
  }
}
