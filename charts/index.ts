import type { App, Chart } from 'cdk8s';
import { CacheChart } from './cache-chart.js';
import { CampaignsChart } from './campaigns-chart.js';
import { CrdsChart } from './crds-chart.js';
import { ErpChart } from './erp-chart.js';
import { chartLabels } from './lib/labels.js';
import { MonitoringChart } from './monitoring-chart.js';
import { NamespacesChart } from './namespaces-chart.js';
import { NetworkChart } from './network-chart.js';
import { OperatorChart } from './operator-chart.js';
import { PoolsChart } from './pools-chart.js';
import { PowerSchedulesChart } from './power-schedules-chart.js';
import { SearchChart, searchServiceUrl } from './search-chart.js';
import { ROLEPLANE_VERSION } from './values/environments.js';
import type { Values } from './values/schema.js';
import { WakerChart } from './waker-chart.js';
import { WebChart } from './web-chart.js';

/** Subfolder of `dist/<env>/` with CRDs: applied and waited for before the rest. */
export const CRDS_DIR = 'crds';

export interface SynthUnit {
  /** Path under `dist/<env>/`; files sort in the order `kubectl apply -f` must see them. */
  readonly file: string;
  readonly chart: Chart;
}

/** Every namespace an environment owns, in a stable order. */
export function namespacesOf(values: Values): string[] {
  const names = [
    values.platform?.operator.namespace,
    values.erp?.namespace,
    values.web.namespace,
    values.search.namespace,
    values.valkey.namespace,
  ].filter((name): name is string => name !== undefined);
  return [...new Set(names)];
}

/**
 * Adds one chart per concern to the app. Order matters twice: CRDs and namespaces come first so that one
 * `kubectl apply` works on a fresh cluster, and the file names carry that order.
 */
export function buildCharts(app: App, values: Values): SynthUnit[] {
  const env = values.environment;
  const props = (role: string) => ({
    labels: chartLabels({ name: role, instance: `${values.site.name}-${env}`, version: ROLEPLANE_VERSION }),
    disableResourceNameHashes: true,
  });
  const units: SynthUnit[] = [];
  const add = (file: string, chart: Chart) => units.push({ file, chart });
  const namespaces = namespacesOf(values);

  if (values.platform) add(`${CRDS_DIR}/powerschedules.yaml`, new CrdsChart(app, `${env}-crds`, props('crds')));
  add(
    '01-namespaces.yaml',
    new NamespacesChart(app, `${env}-namespaces`, {
      ...props('namespaces'),
      names: namespaces,
      powerSchedule: values.powerSchedule,
    }),
  );

  const platform = values.platform;
  if (platform) {
    if (platform.provider.mode === 'karpenter')
      add('10-pools.yaml', new PoolsChart(app, `${env}-pools`, { ...props('pools'), platform }));
    add(
      '20-operator.yaml',
      new OperatorChart(app, `${env}-operator`, {
        ...props('operator'),
        image: values.image,
        operator: platform.operator,
      }),
    );
    if (platform.waker) {
      add(
        '21-waker.yaml',
        new WakerChart(app, `${env}-waker`, {
          ...props('waker'),
          image: values.image,
          installNamespace: platform.operator.namespace,
          waker: platform.waker,
        }),
      );
    }
  }
  if (values.erp) add('30-erp.yaml', new ErpChart(app, `${env}-erp`, { ...props('erp'), erp: values.erp }));
  add(
    '40-cache.yaml',
    new CacheChart(app, `${env}-cache`, {
      ...props('valkey'),
      valkey: values.valkey,
      monitoring: values.monitoring,
    }),
  );
  add(
    '50-search.yaml',
    new SearchChart(app, `${env}-search`, {
      ...props('search'),
      image: values.image,
      search: values.search,
      valkey: values.valkey,
    }),
  );
  add(
    '60-web.yaml',
    new WebChart(app, `${env}-web`, {
      ...props('web'),
      web: values.web,
      environment: env,
      searchUrl: searchServiceUrl(values.search.namespace),
      monitoring: values.monitoring,
      ...(values.wakeOnRequest ? { wakeOnRequest: values.wakeOnRequest } : {}),
    }),
  );
  if (values.campaigns.length > 0) {
    add(
      '70-campaigns.yaml',
      new CampaignsChart(app, `${env}-campaigns`, {
        ...props('campaigns'),
        namespace: values.web.namespace,
        pool: values.web.pool,
        timeZone: values.site.timeZone,
        campaigns: values.campaigns,
      }),
    );
  }
  add('80-network-policies.yaml', new NetworkChart(app, `${env}-network`, { ...props('network'), values, namespaces }));
  if (values.monitoring.enabled && values.monitoring.alerting)
    add('85-monitoring.yaml', new MonitoringChart(app, `${env}-monitoring`, { ...props('monitoring'), values }));
  if (platform && platform.powerSchedules.length > 0) {
    add(
      '90-power-schedules.yaml',
      new PowerSchedulesChart(app, `${env}-power-schedules`, {
        ...props('power-schedules'),
        schedules: platform.powerSchedules,
        timeZone: values.site.timeZone,
      }),
    );
  }
  return units;
}
