import { CRD_NAME, GROUP, KIND, PLURAL, VERSION } from './keys.js';
import {
  DEFAULT_DOWNTIME_REPLICAS,
  DEFAULT_GRACE_PERIOD,
  DEFAULT_TIME_ZONE,
  NAMESPACE_PHASES,
} from './power-schedule.js';
import { HOLIDAY_PATTERN, MAX_HOLIDAYS } from '../schedule/holidays.js';

type Schema = Record<string, unknown>;

const rfc3339 = { type: 'string', format: 'date-time' } as const;
const dnsLabel = { type: 'string', maxLength: 63, pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$' } as const;

const labelSelector: Schema = {
  type: 'object',
  description: 'Selects namespaces by label, as a Deployment selects pods.',
  properties: {
    matchLabels: { type: 'object', additionalProperties: { type: 'string' } },
    matchExpressions: {
      type: 'array',
      maxItems: 20,
      items: {
        type: 'object',
        required: ['key', 'operator'],
        properties: {
          key: { type: 'string' },
          operator: { type: 'string', enum: ['In', 'NotIn', 'Exists', 'DoesNotExist'] },
          values: { type: 'array', items: { type: 'string' }, maxItems: 64 },
        },
      },
    },
  },
  'x-kubernetes-map-type': 'atomic',
};

const managedCounts: Schema = {
  type: 'object',
  properties: {
    deployments: { type: 'integer', minimum: 0 },
    statefulSets: { type: 'integer', minimum: 0 },
    cronJobs: { type: 'integer', minimum: 0 },
  },
};

const spec: Schema = {
  type: 'object',
  description: 'Which namespaces sleep, and when.',
  properties: {
    namespaces: {
      type: 'array',
      items: dnsLabel,
      maxItems: 256,
      'x-kubernetes-list-type': 'set',
      description: 'Namespaces by name; combined (OR) with namespaceSelector.',
    },
    namespaceSelector: labelSelector,
    timeZone: {
      type: 'string',
      maxLength: 64,
      default: DEFAULT_TIME_ZONE,
      description: `IANA time zone for timespans that name none, and of the local times in the status. Default ${DEFAULT_TIME_ZONE}.`,
    },
    uptime: {
      type: 'string',
      maxLength: 1024,
      description:
        'Comma list of timespans during which the namespaces are awake, e.g. "Mon-Fri 07:30-20:30 Europe/Berlin". Exclusive with downtime.',
    },
    downtime: {
      type: 'string',
      maxLength: 1024,
      description: 'Comma list of timespans during which the namespaces are asleep. Exclusive with uptime.',
    },
    downtimeReplicas: {
      type: 'integer',
      minimum: 0,
      default: DEFAULT_DOWNTIME_REPLICAS,
      description: 'Replicas of Deployments and StatefulSets while asleep.',
    },
    suspend: { type: 'boolean', default: false, description: 'Stops all actions; workloads stay as they are.' },
    excludedWorkloads: {
      type: 'array',
      maxItems: 256,
      description: 'Workloads never touched, by kind and name in every selected namespace.',
      items: {
        type: 'object',
        required: ['kind', 'name'],
        properties: {
          kind: { type: 'string', enum: ['Deployment', 'StatefulSet', 'CronJob'] },
          name: { type: 'string', maxLength: 253 },
        },
      },
    },
    gracePeriod: {
      type: 'string',
      pattern: '^([0-9]+(s|m|h))+$',
      default: DEFAULT_GRACE_PERIOD,
      description: 'Workloads created while asleep are left running this long.',
    },
    holidays: {
      type: 'array',
      maxItems: MAX_HOLIDAYS,
      'x-kubernetes-list-type': 'set',
      items: { type: 'string', maxLength: 22, pattern: HOLIDAY_PATTERN },
      description:
        'Days on which the namespaces stay asleep all day whatever uptime or downtime say, from local midnight to local midnight in timeZone: "2026-12-24" or "2026-12-24..2026-12-26" (both days inclusive). Entries may not overlap. Override annotations (awake-until) still win.',
    },
  },
  'x-kubernetes-validations': [
    { rule: 'has(self.uptime) != has(self.downtime)', message: 'set exactly one of uptime or downtime' },
    {
      rule: 'has(self.namespaces) || has(self.namespaceSelector)',
      message: 'set namespaces, namespaceSelector or both',
    },
  ],
};

const status: Schema = {
  type: 'object',
  properties: {
    observedGeneration: { type: 'integer', format: 'int64' },
    nextSleep: rfc3339,
    nextWake: rfc3339,
    nextSleepLocal: { type: 'string', description: "nextSleep in the schedule's time zone, for people." },
    nextWakeLocal: { type: 'string', description: "nextWake in the schedule's time zone, for people." },
    nextHoliday: {
      type: 'string',
      format: 'date',
      description: 'First day of the holiday in progress, or else of the next one, in spec.timeZone.',
    },
    namespaces: {
      type: 'array',
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['name'],
      items: {
        type: 'object',
        required: ['name', 'phase'],
        properties: {
          name: { type: 'string' },
          phase: { type: 'string', enum: [...NAMESPACE_PHASES] },
          nextSleep: rfc3339,
          nextWake: rfc3339,
          managed: managedCounts,
          lastError: { type: 'string' },
          asleepSince: rfc3339,
          gracePeriods: {
            type: 'array',
            description:
              'Workloads created while the namespace was asleep, left running until their grace period ends.',
            items: {
              type: 'object',
              required: ['kind', 'name', 'until'],
              properties: {
                kind: { type: 'string', enum: ['Deployment', 'StatefulSet', 'CronJob'] },
                name: { type: 'string' },
                until: rfc3339,
              },
            },
          },
        },
      },
    },
    conditions: {
      type: 'array',
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['type'],
      items: {
        type: 'object',
        required: ['type', 'status', 'reason', 'message', 'lastTransitionTime'],
        properties: {
          type: { type: 'string' },
          status: { type: 'string', enum: ['True', 'False', 'Unknown'] },
          reason: { type: 'string' },
          message: { type: 'string' },
          lastTransitionTime: rfc3339,
          observedGeneration: { type: 'integer', format: 'int64' },
        },
      },
    },
  },
};

/** The PowerSchedule CustomResourceDefinition (cluster-scoped, status subresource, printer columns). */
export function powerScheduleCrd(): Record<string, unknown> {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: CRD_NAME },
    spec: {
      group: GROUP,
      scope: 'Cluster',
      names: {
        kind: KIND,
        listKind: `${KIND}List`,
        plural: PLURAL,
        singular: KIND.toLowerCase(),
        shortNames: ['psched'],
      },
      versions: [
        {
          name: VERSION,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: [
            { name: 'Uptime', type: 'string', jsonPath: '.spec.uptime' },
            { name: 'Downtime', type: 'string', jsonPath: '.spec.downtime' },
            { name: 'Zone', type: 'string', jsonPath: '.spec.timeZone' },
            { name: 'Suspended', type: 'boolean', jsonPath: '.spec.suspend' },
            { name: 'Ready', type: 'string', jsonPath: ".status.conditions[?(@.type=='Ready')].status" },
            // `date` columns print an age, which a time in the future cannot have (kubectl shows <invalid>).
            { name: 'Next Sleep', type: 'string', jsonPath: '.status.nextSleepLocal' },
            { name: 'Next Wake', type: 'string', jsonPath: '.status.nextWakeLocal' },
            { name: 'Next Sleep (UTC)', type: 'string', jsonPath: '.status.nextSleep', priority: 1 },
            { name: 'Next Wake (UTC)', type: 'string', jsonPath: '.status.nextWake', priority: 1 },
            { name: 'Next Holiday', type: 'string', jsonPath: '.status.nextHoliday', priority: 1 },
            { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
          ],
          schema: {
            openAPIV3Schema: {
              type: 'object',
              description:
                'Puts namespaces to sleep (Deployments and StatefulSets scaled down, CronJobs suspended) on a schedule and wakes them exactly as they were.',
              required: ['spec'],
              properties: {
                apiVersion: { type: 'string' },
                kind: { type: 'string' },
                metadata: { type: 'object' },
                spec,
                status,
              },
            },
          },
        },
      ],
    },
  };
}
