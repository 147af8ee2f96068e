import { z } from 'zod';
import { EMBEDDINGS_RESIDENCES } from '../../workloads/search/index/serve/embeddings-residence.js';

/** The five server roles; each has one dedicated node pool of the same name. */
export const POOL_NAMES = ['erp', 'web', 'dev', 'search', 'cache'] as const;
export type PoolName = (typeof POOL_NAMES)[number];

/** Environments that `npm run synth` writes, in the order their output should be applied. */
export const ENVIRONMENTS = ['prod', 'staging', 'dev'] as const;
export type EnvironmentName = (typeof ENVIRONMENTS)[number];

const dnsLabel = z
  .string()
  .regex(
    /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/,
    'must be a DNS-1123 label (lowercase letters, digits and "-", at most 63 characters)',
  );

/**
 * A container image with a pinned tag or digest. `latest` and untagged images are refused because
 * a rollout must be reproducible and `imagePullPolicy: IfNotPresent` must mean something.
 */
const pinnedImage = z
  .string()
  .regex(
    /^[a-z0-9]([a-z0-9._\-/:]*[a-z0-9])?(@sha256:[a-f0-9]{64})?$/,
    'must be an image reference such as registry/name:1.2.3',
  )
  .refine((ref) => {
    if (ref.includes('@sha256:')) return true;
    const lastSegment = ref.slice(ref.lastIndexOf('/') + 1);
    const colon = lastSegment.lastIndexOf(':');
    return colon > 0 && lastSegment.slice(colon + 1) !== 'latest';
  }, 'must pin a tag other than "latest" (or a sha256 digest)');

const cpuQuantity = z
  .string()
  .regex(/^([0-9]+m|[0-9]+(\.[0-9]{1,3})?)$/, 'must be a CPU quantity such as "250m" or "2"');
const byteQuantity = z
  .string()
  .regex(/^[0-9]+(Ki|Mi|Gi|Ti)$/, 'must be a size with a binary suffix such as "512Mi" or "8Gi"');
const duration = z.string().regex(/^([0-9]+(s|m|h))+$/, 'must be a duration such as "30s", "10m" or "1h30m"');

const timeZone = z.string().refine((zone) => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return zone.includes('/') || zone === 'UTC';
  } catch {
    return false;
  }
}, 'must be an IANA time zone such as "Europe/Berlin" or "UTC"');

const cidr = z
  .string()
  .regex(
    /^([0-9]{1,3}(\.[0-9]{1,3}){3}\/[0-9]{1,2}|[0-9a-fA-F:]+\/[0-9]{1,3})$/,
    'must be an IPv4 or IPv6 CIDR such as "10.0.0.0/16"',
  );

/** Requests for cpu and memory, and a memory limit (no CPU limit: throttling hurts latency more than it protects). */
const resources = z.strictObject({
  cpu: cpuQuantity,
  memory: byteQuantity,
  memoryLimit: byteQuantity,
});
export type Resources = z.infer<typeof resources>;

const replicaRange = z
  .strictObject({
    minReplicas: z.number().int().min(1),
    maxReplicas: z.number().int().min(1),
    targetCpuPercent: z.number().int().min(10).max(100),
  })
  .refine((r) => r.maxReplicas >= r.minReplicas, {
    message: 'maxReplicas must be >= minReplicas',
    path: ['maxReplicas'],
  });

const pool = z.strictObject({
  /** EC2 instance categories (c, m, r, …) or families the pool may launch. */
  instanceCategories: z
    .array(z.string().regex(/^[a-z]+$/, 'must be an instance category letter such as "c" or "m"'))
    .min(1),
  /** Minimum instance generation (`karpenter.k8s.aws/instance-generation` Gt n-1). */
  minGeneration: z.number().int().min(1),
  capacityTypes: z.array(z.enum(['on-demand', 'spot'])).min(1),
  architectures: z.array(z.enum(['amd64', 'arm64'])).min(1),
  limits: z.strictObject({ cpu: cpuQuantity, memory: byteQuantity }),
  consolidationPolicy: z.enum(['WhenEmpty', 'WhenEmptyOrUnderutilized']),
  consolidateAfter: duration,
  expireAfter: duration,
  /** Nodes a fake cluster (`labels` mode, `roleplane cluster up`) creates for this pool, and their size. */
  localNodes: z.strictObject({
    count: z.number().int().min(0).max(20),
    cpu: cpuQuantity,
    memory: byteQuantity,
    pods: z.number().int().min(1),
  }),
});
export type PoolValues = z.infer<typeof pool>;

const placement = {
  namespace: dnsLabel,
  pool: z.enum(POOL_NAMES),
};

const provider = z.strictObject({
  /**
   * `karpenter` emits NodePool + EC2NodeClass objects; `labels` emits none, for clusters whose node groups are
   * made elsewhere with the same `roleplane.io/pool` label and taint.
   */
  mode: z.enum(['karpenter', 'labels']),
  karpenter: z.strictObject({
    clusterName: dnsLabel,
    /** IAM role the nodes run as. */
    nodeRole: z.string().min(1),
    /** AMI alias such as `al2023@v20251117`; `@latest` is refused because it drifts every node on a release. */
    amiAlias: z
      .string()
      .regex(
        /^(al2023|al2|bottlerocket|windows2019|windows2022)@v[0-9]+(\.[0-9]+)*$/,
        'must be a pinned AMI alias such as "al2023@v20251117"',
      ),
    ipv6: z.boolean(),
    rootVolumeGi: z.number().int().min(20).max(16384),
  }),
});

const hostName = z
  .string()
  .regex(/^([a-z0-9]([-a-z0-9]*[a-z0-9])?\.)+[a-z]{2,}$/, 'must be a host name such as "shop.example.com"');

/**
 * The wake-on-request service (`roleplane waker`), installed beside the operator: the sleeping sites' Ingresses fall
 * back to it while their pods are down, and a page view wakes the site's namespace.
 */
const waker = z.strictObject({
  /** An always-on pool (never `dev`, which sleeps). */
  pool: z.enum(POOL_NAMES),
  replicas: z.number().int().min(1).max(5),
  resources,
  /** How long a page view keeps a namespace awake (`roleplane.io/awake-until`). */
  awakeFor: duration,
  /** Each sleeping site's host → its namespace (the web Ingress host of that environment). */
  hosts: z
    .record(hostName, dnsLabel)
    .refine((hosts) => Object.keys(hosts).length > 0, 'must map at least one host to a namespace'),
  /** At most one wake attempt (API reads and a patch) per namespace this often. */
  perNamespaceSeconds: z.number().int().min(1).max(3600),
  /** Wake attempts allowed at once across namespaces, and refilled per minute. */
  burst: z.number().int().min(1).max(1000),
  perMinute: z.number().int().min(1).max(6000),
});

const operator = z.strictObject({
  namespace: dnsLabel,
  pool: z.enum(POOL_NAMES),
  replicas: z.number().int().min(1).max(5),
  resources,
  /** Where the operator may reach the API server (NetworkPolicy egress). */
  apiServer: z.strictObject({ cidrs: z.array(cidr).min(1), ports: z.array(z.number().int().min(1).max(65535)).min(1) }),
});

const powerSchedule = z
  .strictObject({
    name: dnsLabel,
    uptime: z.string().min(1).optional(),
    downtime: z.string().min(1).optional(),
    /** Defaults to `site.timeZone`. */
    timeZone: timeZone.optional(),
    downtimeReplicas: z.number().int().min(0).default(0),
  })
  .refine((s) => (s.uptime === undefined) !== (s.downtime === undefined), {
    message: 'set exactly one of uptime or downtime',
  });

const erp = z.strictObject({
  ...placement,
  image: pinnedImage,
  port: z.number().int().min(1024).max(65535),
  replicas: z.number().int().min(1),
  resources,
  healthPath: z.string().startsWith('/'),
  storage: z.strictObject({ storageClass: dnsLabel, size: byteQuantity }),
  smtp: z.strictObject({
    host: z.string().min(1),
    port: z.number().int().min(1).max(65535),
    from: z.string().email(),
    /** Egress to the relay is allowed only to these CIDRs; empty means the relay is unreachable from the pods. */
    relayCidrs: z.array(cidr),
  }),
});

const cdn = z.strictObject({
  staticPathPattern: z.string().min(1),
  productPathPrefix: z.string().startsWith('/'),
  searchPathPrefix: z.string().startsWith('/'),
  apiPathPrefix: z.string().startsWith('/'),
  privatePathPrefixes: z.array(z.string().startsWith('/')),
  /** Requests carrying this cookie are user-specific: never served from or stored in a cache. */
  sessionCookie: z.string().regex(/^[A-Za-z0-9_-]+$/, 'must be a cookie name'),
  cacheSize: byteQuantity,
  /**
   * Longest a visitor of a page or asset waits for a hung app (nginx's read and send timeouts) before a stored copy
   * or a 504: a few seconds, because a shopper gives up long before nginx's default minute.
   */
  pageTimeoutSeconds: z.number().int().min(1).max(60),
  /** The same for the API and private paths, which have no stored copy and may be slow on purpose (a checkout). */
  privateTimeoutSeconds: z.number().int().min(1).max(600),
});

const web = z.strictObject({
  ...placement,
  image: pinnedImage,
  nginxImage: pinnedImage,
  appPort: z.number().int().min(1024).max(65535),
  healthPath: z.string().startsWith('/'),
  /**
   * Whether nginx keeps pages per the cache tiers (`cdn`). Off (dev): nginx stores nothing, every request reaches the
   * app and every answer goes out `Cache-Control: no-store`, so a change shows on the next reload.
   */
  pageCache: z.boolean(),
  /**
   * Tells the app it may show detailed error pages and debug tools: the app container's ROLEPLANE_DEBUG
   * ("true"/"false"), beside ROLEPLANE_ENV (the environment's name). Nothing else in the pod changes with it.
   */
  debug: z.boolean(),
  resources,
  nginxResources: resources,
  autoscaling: replicaRange,
  ingress: z.strictObject({
    host: hostName,
    className: dnsLabel,
    tlsSecretName: dnsLabel.optional(),
    /** Namespace of the ingress controller: the only source allowed to reach the web pods. */
    controllerNamespace: dnsLabel,
  }),
  cdn,
});

const search = z.strictObject({
  ...placement,
  resources,
  autoscaling: replicaRange,
  embeddings: z.strictObject({
    storageClass: dnsLabel,
    size: byteQuantity,
    accessMode: z.enum(['ReadWriteMany', 'ReadWriteOnce']),
  }),
  indexBuild: z.strictObject({
    resources,
    catalogPath: z.string().startsWith('/'),
    rulesPath: z.string().startsWith('/'),
    modelPath: z.string().startsWith('/'),
    /**
     * The products' vectors as a float .npy computed outside roleplane (row i = the catalog's i-th product), used
     * instead of embedding the catalog; `modelPath` must be the model that embeds the queries
     * (`roleplane search index --embeddings`). @default - the catalog is embedded with `modelPath`
     */
    embeddingsPath: z.string().startsWith('/').optional(),
  }),
  /**
   * Where each search pod keeps the float32 product vectors (SEARCH_EMBEDDINGS_IN): `memory`, or `page-cache` (read
   * per search from the volume's page cache, shared by the pods of a node that mount it; less memory per pod, slower
   * filtered scans; npm run bench:memory). @default - memory
   */
  embeddingsIn: z.enum(EMBEDDINGS_RESIDENCES).optional(),
  /** What autocomplete and related searches may show (the search service's SEARCH_SUGGEST_* settings). */
  suggestions: z.strictObject({
    /** Distinct shoppers that must search a query before it is suggested. */
    minClients: z.number().int().min(1).max(1000),
    /** Minutes between a query's first search and its first showing. */
    minAgeMinutes: z
      .number()
      .int()
      .min(0)
      .max(7 * 24 * 60),
    /** Terms never suggested, matched as whole words; mounted as a file the service re-reads when it changes. */
    blocklist: z
      .array(
        z
          .string()
          .trim()
          .min(1)
          .regex(/^[^\n#]+$/, 'one term, without a newline or #'),
      )
      .max(10_000),
  }),
});

const valkey = z.strictObject({
  ...placement,
  image: pinnedImage,
  replicas: z.number().int().min(1).max(5),
  resources,
  maxmemory: byteQuantity,
  maxmemoryPolicy: z.enum([
    'noeviction',
    'allkeys-lru',
    'allkeys-lfu',
    'allkeys-random',
    'volatile-lru',
    'volatile-lfu',
    'volatile-random',
    'volatile-ttl',
  ]),
  appendfsync: z.enum(['always', 'everysec', 'no']),
  storage: z.strictObject({ storageClass: dnsLabel, size: byteQuantity }),
  /** An existing Secret holding the password; it is never written by roleplane. */
  passwordSecret: z.strictObject({
    name: dnsLabel,
    key: z.string().regex(/^[-._a-zA-Z0-9]+$/, 'must be a Secret key'),
  }),
});

const labelMap = z.record(
  z.string().regex(/^([a-z0-9.-]+\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/, 'must be a label key'),
  z.string().regex(/^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/, 'must be a label value'),
);
const ratio = z.number().gt(0).max(1);

/**
 * Prometheus Operator objects (ServiceMonitor, PodMonitor, PrometheusRule), the exporter sidecars that give nginx and
 * Valkey metrics, Grafana dashboards and the NetworkPolicies that let the monitoring namespace's Prometheus scrape.
 */
const monitoring = z.strictObject({
  /**
   * The pods' side: exporter sidecars, nginx's cache log, and the NetworkPolicies that let the monitoring namespace's
   * Prometheus reach the metrics ports. On in every environment, so staging's pods are production's.
   */
  enabled: z.boolean(),
  /**
   * Prometheus's side: ServiceMonitors, PodMonitors, PrometheusRules and dashboards (needs `enabled`). Production
   * only by default: the sleeping copies would page every night.
   */
  alerting: z.boolean(),
  /** Where Prometheus and Grafana run: the only namespace whose Prometheus may reach the metrics ports. */
  namespace: dnsLabel,
  /** The labels your Prometheus selects monitors and rules by (kube-prometheus-stack: `release: <helm release>`). */
  selectorLabels: labelMap,
  /** Labels of the Prometheus pods (NetworkPolicy peer, together with the namespace). */
  prometheusPodLabels: labelMap.refine((labels) => Object.keys(labels).length > 0, 'must name at least one label'),
  scrapeInterval: duration,
  /** The page with the runbooks; each alert links to `<url>#<alert name in lower case>`. */
  runbookBaseUrl: z.string().regex(/^https?:\/\/[^\s#]+$/, 'must be an http(s) URL without a #fragment'),
  exporters: z.strictObject({
    /** prometheus-nginx-exporter: reads nginx's stub_status. */
    nginxImage: pinnedImage,
    /** mtail: counts the page cache's HIT/MISS/STALE… from nginx's access log, sent to it over syslog. */
    mtailImage: pinnedImage,
    /** prometheus-redis-exporter: works for Valkey (same protocol and INFO fields). */
    valkeyImage: pinnedImage,
    resources,
  }),
  /** Thresholds of the alerts (README "Alerts"). */
  alerts: z.strictObject({
    /** How long a role is down (no target up, Valkey not answering) before it pages. */
    downFor: duration,
    searchLatencyP99Seconds: z.number().gt(0).max(60),
    /** Share of searches answered without the cache (fail-open) that warns. */
    searchWithoutCacheRatio: ratio,
    /** Share of maxmemory used that warns. */
    valkeyMemoryRatio: ratio,
    /** Share of the page cache's responses that are STALE (the website failing behind it) that warns. */
    webStaleRatio: ratio,
    /** How long a namespace may stay Sleeping or Waking (awake while it should sleep, or the reverse). */
    scheduleGraceMinutes: z
      .number()
      .int()
      .min(1)
      .max(24 * 60),
    /** How long a pod may be unschedulable (no node of its pool fits) before it warns. */
    unschedulableFor: duration,
  }),
});
export type MonitoringValues = z.infer<typeof monitoring>;

const campaign = z.strictObject({
  name: dnsLabel,
  schedule: z
    .string()
    .regex(
      /^(@(yearly|annually|monthly|weekly|daily|hourly)|(\S+\s+){4}\S+)$/,
      'must be a cron schedule with five fields',
    ),
  image: pinnedImage,
  args: z.array(z.string()),
  resources,
});

export const valuesSchema = z
  .strictObject({
    environment: z.enum(ENVIRONMENTS),
    site: z.strictObject({ name: dnsLabel, timeZone }),
    /** The roleplane image (search service, index build and operator are subcommands of one CLI). */
    image: pinnedImage,
    /** Cluster-wide parts (pools, the operator, power schedules); only one environment should carry them. */
    platform: z
      .strictObject({
        provider,
        pools: z.strictObject({ erp: pool, web: pool, dev: pool, search: pool, cache: pool }),
        operator,
        powerSchedules: z.array(powerSchedule),
        /** @default - no waker: sleeping sites answer 503 from the ingress controller until their schedule wakes them */
        waker: waker.optional(),
      })
      .optional(),
    /** The PowerSchedule (by name) whose selector matches this environment's namespaces. */
    powerSchedule: dnsLabel.optional(),
    /**
     * Wake on request: the web Ingress falls back to the waker (installed with prod's `platform.waker`) while its
     * pods are down. Needs `powerSchedule`: a namespace no schedule puts to sleep has nothing to wake.
     */
    wakeOnRequest: z
      .strictObject({
        /** Namespace the waker runs in (prod's `platform.operator.namespace`). */
        wakerNamespace: dnsLabel,
        clusterDomain: z
          .string()
          .regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, 'must be a DNS domain such as "cluster.local"'),
      })
      .optional(),
    erp: erp.optional(),
    web,
    search,
    valkey,
    campaigns: z.array(campaign),
    monitoring,
  })
  .superRefine((values, ctx) => {
    const scheduleNames = values.platform?.powerSchedules.map((s) => s.name) ?? [];
    const duplicate = scheduleNames.find((name, i) => scheduleNames.indexOf(name) !== i);
    if (duplicate) {
      ctx.addIssue({
        code: 'custom',
        path: ['platform', 'powerSchedules'],
        message: `duplicate schedule name "${duplicate}"`,
      });
    }
    const campaignNames = values.campaigns.map((c) => c.name);
    const dupCampaign = campaignNames.find((name, i) => campaignNames.indexOf(name) !== i);
    if (dupCampaign) {
      ctx.addIssue({ code: 'custom', path: ['campaigns'], message: `duplicate campaign name "${dupCampaign}"` });
    }
    if (values.search.autoscaling.maxReplicas > 1 && values.search.embeddings.accessMode === 'ReadWriteOnce') {
      ctx.addIssue({
        code: 'custom',
        path: ['search', 'embeddings', 'accessMode'],
        message:
          'ReadWriteOnce cannot be mounted by more than one search replica on different nodes; use ReadWriteMany or maxReplicas: 1',
      });
    }
    if (values.wakeOnRequest && values.powerSchedule === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['wakeOnRequest'],
        message: 'needs powerSchedule: a namespace no PowerSchedule puts to sleep has nothing to wake',
      });
    }
    if (values.platform?.waker?.pool === 'dev') {
      ctx.addIssue({
        code: 'custom',
        path: ['platform', 'waker', 'pool'],
        message: 'the waker must run on an always-on pool, not dev, which sleeps with the sites it wakes',
      });
    }
    if (values.platform && values.platform.operator.pool === 'dev') {
      ctx.addIssue({
        code: 'custom',
        path: ['platform', 'operator', 'pool'],
        message: 'the operator must not run on the dev pool, which it empties at night',
      });
    }
  });

export type Values = z.infer<typeof valuesSchema>;
export type ValuesInput = z.input<typeof valuesSchema>;
export type ErpValues = NonNullable<Values['erp']>;
export type WebValues = Values['web'];
export type SearchValues = Values['search'];
export type ValkeyValues = Values['valkey'];
export type CampaignValues = Values['campaigns'][number];
export type PlatformValues = NonNullable<Values['platform']>;
export type WakerValues = NonNullable<PlatformValues['waker']>;
export type WakeOnRequestValues = NonNullable<Values['wakeOnRequest']>;
export type PowerScheduleValues = PlatformValues['powerSchedules'][number];
