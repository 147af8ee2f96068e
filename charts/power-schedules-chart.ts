import { ApiObject, Chart, type ChartProps } from 'cdk8s';
import type { Construct } from 'constructs';
import { API_VERSION, KIND, POWER_SCHEDULE_LABEL } from '../operator/api/keys.js';
import type { PowerScheduleSpec } from '../operator/api/power-schedule.js';
import type { PowerScheduleValues } from './values/schema.js';

export interface PowerSchedulesChartProps extends ChartProps {
  readonly schedules: readonly PowerScheduleValues[];
  /** Zone of schedules that name none: the site's. */
  readonly timeZone: string;
}

/**
 * One PowerSchedule per configured schedule. Each selects the namespaces labelled
 * `roleplane.io/power-schedule=<name>`, so an environment joins a schedule from its own values.
 */
export class PowerSchedulesChart extends Chart {
  constructor(scope: Construct, id: string, props: PowerSchedulesChartProps) {
    super(scope, id, props);
    for (const schedule of props.schedules) {
      const spec: PowerScheduleSpec = {
        namespaceSelector: { matchLabels: { [POWER_SCHEDULE_LABEL]: schedule.name } },
        timeZone: schedule.timeZone ?? props.timeZone,
        ...(schedule.uptime !== undefined ? { uptime: schedule.uptime } : {}),
        ...(schedule.downtime !== undefined ? { downtime: schedule.downtime } : {}),
        downtimeReplicas: schedule.downtimeReplicas,
      };
      new ApiObject(this, schedule.name, {
        apiVersion: API_VERSION,
        kind: KIND,
        metadata: { name: schedule.name },
        spec,
      });
    }
  }
}
