import type { EnvironmentName, PoolValues, ValuesInput } from './schema.js';

/** Version of the roleplane image these manifests are made for. */
export const ROLEPLANE_VERSION = '0.1.0';

/** Where prod installs the operator and the waker. */
const OPERATOR_NAMESPACE = 'roleplane-system';

/** The PowerSchedule prod makes, and the one the sleeping copies' namespaces join. */
const OFFICE_HOURS = 'office-hours';

/** The host of a sleeping copy's site; the waker maps it back to the copy's namespace. */
const sleepingHost = (environment: 'staging' | 'dev') => `${environment}.shop.example.com`;

const VALKEY_IMAGE = 'docker.io/valkey/valkey:8.1.4';
const NGINX_IMAGE = 'docker.io/nginxinc/nginx-unprivileged:1.28.0-alpine';
const NGINX_EXPORTER_IMAGE = 'docker.io/nginx/nginx-prometheus-exporter:1.4.2';
const REDIS_EXPORTER_IMAGE = 'docker.io/oliver006/redis_exporter:v1.74.0';
/**
 * mtail publishes no container image: this is Debian's mtail package (3.0.0~rc50) on a Debian base, built and pushed
 * by whoever runs roleplane (README "Monitoring"); set monitoring.exporters.mtailImage to yours.
 */
const MTAIL_IMAGE = 'ghcr.io/roleplane/mtail:3.0.0-rc50';

function pools(): Record<'erp' | 'web' | 'dev' | 'search' | 'cache', PoolValues> {
  const onDemand = {
    capacityTypes: ['on-demand'] as Array<'on-demand' | 'spot'>,
    architectures: ['amd64'] as Array<'amd64' | 'arm64'>,
    minGeneration: 6,
    expireAfter: '720h',
  };
  return {
    // General purpose, 24/7: only replace nodes that are empty so the ERP is never moved by consolidation.
    erp: {
      ...onDemand,
      instanceCategories: ['m'],
      limits: { cpu: '32', memory: '128Gi' },
      consolidationPolicy: 'WhenEmpty',
      consolidateAfter: '1h',
      localNodes: { count: 2, cpu: '8', memory: '32Gi', pods: 110 },
    },
    // Network-optimised ("n" variants such as c6in/m6in carry up to 200 Gbps); scales with the HPA.
    web: {
      ...onDemand,
      instanceCategories: ['c', 'm'],
      limits: { cpu: '64', memory: '128Gi' },
      consolidationPolicy: 'WhenEmptyOrUnderutilized',
      consolidateAfter: '5m',
      localNodes: { count: 2, cpu: '8', memory: '16Gi', pods: 110 },
    },
    // Spot is fine for copies; when the operator scales dev and staging to zero the nodes are empty and go within a minute.
    dev: {
      ...onDemand,
      capacityTypes: ['spot', 'on-demand'],
      instanceCategories: ['c', 'm', 'r'],
      limits: { cpu: '16', memory: '64Gi' },
      consolidationPolicy: 'WhenEmptyOrUnderutilized',
      consolidateAfter: '1m',
      localNodes: { count: 2, cpu: '4', memory: '16Gi', pods: 110 },
    },
    search: {
      ...onDemand,
      instanceCategories: ['c'],
      limits: { cpu: '64', memory: '256Gi' },
      consolidationPolicy: 'WhenEmptyOrUnderutilized',
      consolidateAfter: '10m',
      localNodes: { count: 2, cpu: '8', memory: '32Gi', pods: 110 },
    },
    // Memory-optimised and on-demand: an interrupted cache node costs a cold cache.
    cache: {
      ...onDemand,
      instanceCategories: ['r'],
      limits: { cpu: '16', memory: '256Gi' },
      consolidationPolicy: 'WhenEmpty',
      consolidateAfter: '1h',
      localNodes: { count: 2, cpu: '4', memory: '32Gi', pods: 110 },
    },
  };
}

function cdn() {
  return {
    staticPathPattern: '\\.(?:css|js|mjs|map|png|jpe?g|gif|svg|webp|avif|ico|woff2?|ttf|otf)$',
    productPathPrefix: '/products/',
    searchPathPrefix: '/search',
    apiPathPrefix: '/api/',
    privatePathPrefixes: ['/account', '/cart', '/checkout'],
    sessionCookie: 'session',
    cacheSize: '1Gi',
    pageTimeoutSeconds: 5,
    privateTimeoutSeconds: 60,
  };
}

/** Defaults shared by every environment; each environment below overrides what differs. */
function base(environment: EnvironmentName): ValuesInput {
  return {
    environment,
    site: { name: 'shop', timeZone: 'Europe/Berlin' },
    image: `ghcr.io/roleplane/roleplane:${ROLEPLANE_VERSION}`,
    web: {
      namespace: 'web',
      pool: 'web',
      image: 'ghcr.io/example/storefront:1.0.0',
      nginxImage: NGINX_IMAGE,
      appPort: 3000,
      healthPath: '/healthz',
      pageCache: true,
      debug: false,
      resources: { cpu: '500m', memory: '512Mi', memoryLimit: '1Gi' },
      nginxResources: { cpu: '200m', memory: '128Mi', memoryLimit: '256Mi' },
      autoscaling: { minReplicas: 3, maxReplicas: 20, targetCpuPercent: 70 },
      ingress: {
        host: 'shop.example.com',
        className: 'nginx',
        tlsSecretName: 'shop-tls',
        controllerNamespace: 'ingress-nginx',
      },
      cdn: cdn(),
    },
    search: {
      namespace: 'search',
      pool: 'search',
      resources: { cpu: '1', memory: '2Gi', memoryLimit: '4Gi' },
      autoscaling: { minReplicas: 2, maxReplicas: 10, targetCpuPercent: 70 },
      embeddings: { storageClass: 'efs', size: '20Gi', accessMode: 'ReadWriteMany' },
      indexBuild: {
        resources: { cpu: '2', memory: '4Gi', memoryLimit: '8Gi' },
        catalogPath: '/data/catalog/products.jsonl',
        rulesPath: '/data/catalog/filters.json',
        modelPath: '/data/models/default',
      },
      // Three shoppers over an hour before anything is suggested: one client cannot promote a query.
      suggestions: { minClients: 3, minAgeMinutes: 60, blocklist: [] },
    },
    valkey: {
      namespace: 'search',
      pool: 'cache',
      image: VALKEY_IMAGE,
      replicas: 1,
      resources: { cpu: '500m', memory: '2Gi', memoryLimit: '3Gi' },
      maxmemory: '1536Mi',
      maxmemoryPolicy: 'allkeys-lru',
      appendfsync: 'everysec',
      storage: { storageClass: 'gp3', size: '10Gi' },
      passwordSecret: { name: 'valkey-auth', key: 'password' },
    },
    campaigns: [],
    monitoring: {
      enabled: true,
      alerting: false,
      namespace: 'monitoring',
      selectorLabels: { release: 'kube-prometheus-stack' },
      prometheusPodLabels: { 'app.kubernetes.io/name': 'prometheus' },
      scrapeInterval: '30s',
      runbookBaseUrl: 'https://github.com/roleplane/roleplane/blob/main/README.md',
      exporters: {
        nginxImage: NGINX_EXPORTER_IMAGE,
        mtailImage: MTAIL_IMAGE,
        valkeyImage: REDIS_EXPORTER_IMAGE,
        resources: { cpu: '10m', memory: '32Mi', memoryLimit: '64Mi' },
      },
      alerts: {
        downFor: '2m',
        searchLatencyP99Seconds: 0.5,
        searchWithoutCacheRatio: 0.2,
        valkeyMemoryRatio: 0.9,
        webStaleRatio: 0.05,
        scheduleGraceMinutes: 30,
        unschedulableFor: '10m',
      },
    },
  };
}

/**
 * Staging: production's twin (the same nginx, cache tiers, probes, policies and settings), smaller, in one namespace
 * of its own on the dev pool, asleep outside office hours. Only sizes, replica counts, names and the pool differ
 * (`roleplane diff prod staging` shows it).
 */
function staging(): ValuesInput {
  return sleepingCopy('staging');
}

/**
 * Dev: staging's twin plus the seed's debug environment. The page cache is off and the app is told it runs in
 * development (ROLEPLANE_ENV=dev, ROLEPLANE_DEBUG=true); the pod stays as locked down as prod's (restricted,
 * default-deny network). `roleplane diff staging dev` shows exactly these settings.
 */
function dev(): ValuesInput {
  const copy = sleepingCopy('dev');
  return { ...copy, web: { ...copy.web, pageCache: false, debug: true } };
}

/** A smaller copy of web + search + Valkey in one namespace on the dev pool, asleep outside office hours. */
function sleepingCopy(environment: 'staging' | 'dev'): ValuesInput {
  const defaults = base(environment);
  const namespace = environment;
  return {
    ...defaults,
    powerSchedule: OFFICE_HOURS,
    wakeOnRequest: { wakerNamespace: OPERATOR_NAMESPACE, clusterDomain: 'cluster.local' },
    web: {
      ...defaults.web,
      namespace,
      pool: 'dev',
      resources: { cpu: '100m', memory: '256Mi', memoryLimit: '512Mi' },
      nginxResources: { cpu: '50m', memory: '64Mi', memoryLimit: '128Mi' },
      // The same CPU target as prod: only the replica counts are smaller.
      autoscaling: { ...defaults.web.autoscaling, minReplicas: 1, maxReplicas: 2 },
      ingress: {
        ...defaults.web.ingress,
        host: sleepingHost(environment),
        tlsSecretName: `${environment}-shop-tls`,
      },
    },
    search: {
      ...defaults.search,
      namespace,
      pool: 'dev',
      resources: { cpu: '250m', memory: '1Gi', memoryLimit: '2Gi' },
      autoscaling: { ...defaults.search.autoscaling, minReplicas: 1, maxReplicas: 1 },
      // The same kind of volume as prod's (shared, so a second replica could mount it), smaller.
      embeddings: { ...defaults.search.embeddings, size: '5Gi' },
      indexBuild: { ...defaults.search.indexBuild, resources: { cpu: '1', memory: '2Gi', memoryLimit: '4Gi' } },
    },
    valkey: {
      ...defaults.valkey,
      namespace,
      pool: 'dev',
      resources: { cpu: '100m', memory: '256Mi', memoryLimit: '512Mi' },
      maxmemory: '192Mi',
      storage: { ...defaults.valkey.storage, size: '2Gi' },
    },
    campaigns: [
      {
        name: 'newsletter',
        schedule: '0 9 * * 2',
        image: 'ghcr.io/example/campaign-sender:1.0.0',
        args: ['send', '--campaign', 'weekly-newsletter', '--dry-run'],
        resources: { cpu: '100m', memory: '128Mi', memoryLimit: '256Mi' },
      },
    ],
  };
}

function prod(): ValuesInput {
  const defaults = base('prod');
  return {
    ...defaults,
    // Every environment's pods carry the exporters (staging is production's twin); only production is watched: the
    // sleeping copies' alerts would fire every night.
    monitoring: { ...defaults.monitoring, alerting: true },
    platform: {
      provider: {
        mode: 'karpenter',
        karpenter: {
          clusterName: 'shop',
          nodeRole: 'KarpenterNodeRole-shop',
          amiAlias: 'al2023@v20251117',
          ipv6: true,
          rootVolumeGi: 40,
        },
      },
      pools: pools(),
      operator: {
        namespace: OPERATOR_NAMESPACE,
        pool: 'erp',
        replicas: 2,
        resources: { cpu: '50m', memory: '128Mi', memoryLimit: '256Mi' },
        apiServer: { cidrs: ['0.0.0.0/0', '::/0'], ports: [443, 6443] },
      },
      powerSchedules: [{ name: OFFICE_HOURS, uptime: 'Mon-Fri 07:00-20:00' }],
      // Beside the operator, on the always-on erp pool; a Node process with the Kubernetes client needs ~70 MiB.
      waker: {
        pool: 'erp',
        replicas: 2,
        resources: { cpu: '20m', memory: '96Mi', memoryLimit: '192Mi' },
        awakeFor: '2h',
        hosts: { [sleepingHost('staging')]: 'staging', [sleepingHost('dev')]: 'dev' },
        perNamespaceSeconds: 30,
        burst: 10,
        perMinute: 30,
      },
    },
    erp: {
      namespace: 'erp',
      pool: 'erp',
      image: 'docker.io/odoo:18.0',
      port: 8069,
      replicas: 2,
      healthPath: '/web/health',
      resources: { cpu: '1', memory: '2Gi', memoryLimit: '4Gi' },
      storage: { storageClass: 'efs', size: '50Gi' },
      smtp: { host: 'smtp-relay.example.internal', port: 587, from: 'erp@example.com', relayCidrs: [] },
    },
  };
}

/** The built-in defaults for one environment, before a values file is merged on top. */
export function defaultValues(environment: EnvironmentName): ValuesInput {
  switch (environment) {
    case 'prod':
      return prod();
    case 'staging':
      return staging();
    case 'dev':
      return dev();
  }
}
