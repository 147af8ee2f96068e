import { Chart, type ChartProps, Cron, Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import type { Construct } from 'constructs';
import { hardened, podSecurity } from './lib/container.js';
import { componentLabels } from './lib/labels.js';
import { finishPod, mountTmp } from './lib/pod.js';
import type { CampaignValues, PoolName } from './values/schema.js';

export const CAMPAIGN_COMPONENT = 'campaign';

export interface CampaignsChartProps extends ChartProps {
  readonly namespace: string;
  readonly pool: PoolName;
  readonly timeZone: string;
  readonly campaigns: readonly CampaignValues[];
}

/** Email-campaign CronJobs; the operator suspends them while their namespace sleeps. */
export class CampaignsChart extends Chart {
  constructor(scope: Construct, id: string, props: CampaignsChartProps) {
    super(scope, id, props);
    const podLabels = componentLabels(CAMPAIGN_COMPONENT);
    for (const campaign of props.campaigns) {
      const cronJob = new kplus.CronJob(this, campaign.name, {
        metadata: { name: `campaign-${campaign.name}`, namespace: props.namespace, labels: podLabels },
        schedule: Cron.schedule(cronFields(campaign.schedule)),
        timeZone: props.timeZone,
        // A campaign must never be sent twice at once.
        concurrencyPolicy: kplus.ConcurrencyPolicy.FORBID,
        startingDeadline: Duration.minutes(30),
        successfulJobsRetained: 3,
        failedJobsRetained: 3,
        backoffLimit: 1,
        activeDeadline: Duration.hours(1),
        securityContext: podSecurity(),
        containers: [
          hardened({
            name: 'campaign',
            image: campaign.image,
            args: [...campaign.args],
            resourceValues: campaign.resources,
          }),
        ],
      });
      mountTmp(cronJob, cronJob.containers[0]!, 128);
      finishPod(cronJob, props.pool, podLabels);
    }
  }
}

const MACROS: Readonly<Record<string, string>> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@hourly': '0 * * * *',
};

/** cdk8s's Cron takes fields; values carry the five-field text (or a macro) users know from crontab. */
function cronFields(schedule: string): { minute: string; hour: string; day: string; month: string; weekDay: string } {
  const [minute, hour, day, month, weekDay] = (MACROS[schedule] ?? schedule).trim().split(/\s+/) as [
    string,
    string,
    string,
    string,
    string,
  ];
  return { minute, hour, day, month, weekDay };
}
