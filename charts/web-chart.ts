import { Chart, type ChartProps, Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import type { Construct } from 'constructs';
import { hardened, podSecurity } from './lib/container.js';
import { componentLabels } from './lib/labels.js';
import { externalNameService, spreadAcrossZonesAndHosts } from './lib/patches.js';
import { finishPod, mountScratch, mountTmp } from './lib/pod.js';
import { mebibytesOf } from './lib/quantity.js';
import { autoscale } from './lib/scaling.js';
import { addWebExporters } from './exporter-sidecars.js';
import type { EnvironmentName, MonitoringValues, WakeOnRequestValues, WebValues } from './values/schema.js';
import { WAKER_NAME, WAKER_PORT } from './waker-chart.js';
import { NGINX_CACHE_DIR, NGINX_HEALTH_PATH, NGINX_PORT, renderNginxConf } from './web-nginx-conf.js';

export const WEB_COMPONENT = 'web';
/** The Deployment, its Service, Ingress, HPA and PDB. */
const WEB_NAME = 'web';
/** The Service's port, which the Ingress sends the CDN's requests to. */
const WEB_SERVICE_PORT = 80;
/** UID of the nginx-unprivileged image. */
const NGINX_UID = 101;

/**
 * The app contract: what the website container is told about where it runs, so one image behaves as a debug build
 * in dev and as production elsewhere. The example storefront honours exactly these names.
 */
export const APP_ENVIRONMENT_VARIABLES = {
  /** The environment's name: `dev`, `staging` or `prod`. */
  environment: 'ROLEPLANE_ENV',
  /** `true` where the app may show detailed error pages and debug tools (dev), else `false`. */
  debug: 'ROLEPLANE_DEBUG',
} as const;

/** ingress-nginx: the Service (in the Ingress's namespace) that answers while the backend has no ready endpoints. */
export const DEFAULT_BACKEND_ANNOTATION = 'nginx.ingress.kubernetes.io/default-backend';

export interface WebChartProps extends ChartProps {
  readonly web: WebValues;
  /** The environment's name, told to the app as ROLEPLANE_ENV. */
  readonly environment: EnvironmentName;
  /** Where the app finds search (the search Service's URL), given to it as `SEARCH_URL`. */
  readonly searchUrl: string;
  /** With monitoring enabled the pod gets its exporter sidecars (nginx stub_status, page-cache counts). */
  readonly monitoring: MonitoringValues;
  /**
   * While the site's pods are down (asleep), the Ingress falls back to the waker through an ExternalName Service of
   * the same name in this namespace (ingress-nginx looks the default backend up in the Ingress's own namespace).
   * @default - no fallback: the ingress controller answers 503
   */
  readonly wakeOnRequest?: WakeOnRequestValues;
}

/**
 * The public website: the app container behind an nginx page cache in the same pod (the cache tiers are the
 * CDN's; off in dev, where nginx only passes requests through), a Service, an Ingress for the CDN's origin, an HPA on CPU, a PDB and spreading across zones and hosts.
 */
export class WebChart extends Chart {
  constructor(scope: Construct, id: string, props: WebChartProps) {
    super(scope, id, props);
    const web = props.web;
    const namespace = web.namespace;
    const podLabels = componentLabels(WEB_COMPONENT);

    const nginxConf = new kplus.ConfigMap(this, 'NginxConf', {
      metadata: { name: 'web-nginx', namespace },
      data: { 'nginx.conf': renderNginxConf(web, { cacheLog: props.monitoring.enabled }) },
    });

    const deployment = new kplus.Deployment(this, 'Deployment', {
      metadata: { name: WEB_NAME, namespace, labels: podLabels },
      securityContext: podSecurity(NGINX_UID),
      containers: [
        hardened({
          name: 'nginx',
          image: web.nginxImage,
          user: NGINX_UID,
          portNumber: NGINX_PORT,
          readiness: kplus.Probe.fromHttpGet(NGINX_HEALTH_PATH, {
            port: NGINX_PORT,
            periodSeconds: Duration.seconds(5),
          }),
          liveness: kplus.Probe.fromHttpGet(NGINX_HEALTH_PATH, {
            port: NGINX_PORT,
            periodSeconds: Duration.seconds(20),
          }),
          resourceValues: web.nginxResources,
        }),
        hardened({
          name: 'app',
          image: web.image,
          portNumber: web.appPort,
          envVariables: {
            PORT: kplus.EnvValue.fromValue(String(web.appPort)),
            SEARCH_URL: kplus.EnvValue.fromValue(props.searchUrl),
            [APP_ENVIRONMENT_VARIABLES.environment]: kplus.EnvValue.fromValue(props.environment),
            [APP_ENVIRONMENT_VARIABLES.debug]: kplus.EnvValue.fromValue(String(web.debug)),
          },
          readiness: kplus.Probe.fromHttpGet(web.healthPath, { port: web.appPort, periodSeconds: Duration.seconds(5) }),
          liveness: kplus.Probe.fromHttpGet(web.healthPath, {
            port: web.appPort,
            periodSeconds: Duration.seconds(20),
            failureThreshold: 3,
          }),
          startup: kplus.Probe.fromHttpGet(web.healthPath, {
            port: web.appPort,
            periodSeconds: Duration.seconds(5),
            failureThreshold: 24,
          }),
          resourceValues: web.resources,
        }),
      ],
    });
    const [nginx, app] = deployment.containers;
    nginx!.mount('/etc/nginx/nginx.conf', kplus.Volume.fromConfigMap(this, 'NginxConfVolume', nginxConf), {
      subPath: 'nginx.conf',
      readOnly: true,
    });
    mountTmp(deployment, nginx!, 256, 'nginx-tmp');
    // nginx may overshoot max_size briefly while its cache manager catches up: leave a quarter of headroom.
    // Without the page cache (dev) nginx stores nothing and needs no cache volume.
    if (web.pageCache)
      mountScratch(deployment, nginx!, 'page-cache', NGINX_CACHE_DIR, Math.ceil(mebibytesOf(web.cdn.cacheSize) * 1.25));
    mountTmp(deployment, app!, 256, 'app-tmp');
    if (props.monitoring.enabled) addWebExporters(this, deployment, { namespace, monitoring: props.monitoring });
    finishPod(deployment, web.pool, podLabels);
    spreadAcrossZonesAndHosts(deployment, podLabels);

    const service = new kplus.Service(this, 'Service', {
      metadata: { name: WEB_NAME, namespace },
      selector: deployment,
      ports: [{ name: 'http', port: WEB_SERVICE_PORT, targetPort: NGINX_PORT }],
    });

    const ingress = new kplus.Ingress(this, 'Ingress', {
      metadata: { name: WEB_NAME, namespace },
      className: web.ingress.className,
    });
    ingress.addHostDefaultBackend(
      web.ingress.host,
      kplus.IngressBackend.fromService(service, { port: WEB_SERVICE_PORT }),
    );
    if (props.wakeOnRequest) {
      const { wakerNamespace, clusterDomain } = props.wakeOnRequest;
      // ingress-nginx connects to the external name at the target port: the waker Service's own port.
      externalNameService(this, {
        id: 'WakerService',
        name: WAKER_NAME,
        namespace,
        externalName: `${WAKER_NAME}.${wakerNamespace}.svc.${clusterDomain}`,
        port: WAKER_PORT,
      });
      ingress.metadata.addAnnotation(DEFAULT_BACKEND_ANNOTATION, WAKER_NAME);
    }
    if (web.ingress.tlsSecretName) {
      ingress.addTls([
        {
          hosts: [web.ingress.host],
          secret: kplus.Secret.fromSecretName(this, 'TlsSecret', web.ingress.tlsSecretName),
        },
      ]);
    }

    autoscale(this, deployment, { name: WEB_NAME, namespace, podLabels, autoscaling: web.autoscaling });
  }
}
