import { Chart, type ChartProps, Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import type { Construct } from 'constructs';
import { hardened, podSecurity } from './lib/container.js';
import { componentLabels } from './lib/labels.js';
import { podDisruptionBudget } from './lib/patches.js';
import { finishPod, mountTmp } from './lib/pod.js';
import { toSize } from './lib/quantity.js';
import type { ErpValues } from './values/schema.js';

export const ERP_COMPONENT = 'erp';
/** The Deployment, its container, Service and PDB. */
const ERP_NAME = 'erp';

export interface ErpChartProps extends ChartProps {
  readonly erp: ErpValues;
}

/** The internal ERP: its Deployment, a shared ReadWriteMany volume, SMTP relay settings and a ClusterIP Service (no Ingress). */
export class ErpChart extends Chart {
  constructor(scope: Construct, id: string, props: ErpChartProps) {
    super(scope, id, props);
    const erp = props.erp;
    const podLabels = componentLabels(ERP_COMPONENT);

    const smtp = new kplus.ConfigMap(this, 'Smtp', {
      metadata: { name: 'erp-smtp', namespace: erp.namespace },
      data: { SMTP_HOST: erp.smtp.host, SMTP_PORT: String(erp.smtp.port), SMTP_FROM: erp.smtp.from },
    });
    const claim = new kplus.PersistentVolumeClaim(this, 'Files', {
      metadata: { name: 'erp-files', namespace: erp.namespace },
      accessModes: [kplus.PersistentVolumeAccessMode.READ_WRITE_MANY],
      storageClassName: erp.storage.storageClass,
      storage: toSize(erp.storage.size),
    });

    const deployment = new kplus.Deployment(this, 'Deployment', {
      metadata: { name: ERP_NAME, namespace: erp.namespace, labels: podLabels },
      replicas: erp.replicas,
      securityContext: podSecurity(),
      containers: [
        hardened({
          name: ERP_NAME,
          image: erp.image,
          portNumber: erp.port,
          envFrom: [kplus.Env.fromConfigMap(smtp)],
          readiness: kplus.Probe.fromHttpGet(erp.healthPath, { port: erp.port, periodSeconds: Duration.seconds(10) }),
          liveness: kplus.Probe.fromHttpGet(erp.healthPath, {
            port: erp.port,
            periodSeconds: Duration.seconds(20),
            failureThreshold: 3,
          }),
          // ERPs migrate their database on start; give them five minutes before liveness counts.
          startup: kplus.Probe.fromHttpGet(erp.healthPath, {
            port: erp.port,
            periodSeconds: Duration.seconds(10),
            failureThreshold: 30,
          }),
          resourceValues: erp.resources,
        }),
      ],
    });
    const container = deployment.containers[0]!;
    container.mount('/var/lib/erp', kplus.Volume.fromPersistentVolumeClaim(this, 'FilesVolume', claim));
    mountTmp(deployment, container, 256);
    finishPod(deployment, erp.pool, podLabels);

    new kplus.Service(this, 'Service', {
      metadata: { name: ERP_NAME, namespace: erp.namespace },
      selector: deployment,
      ports: [{ name: 'http', port: 80, targetPort: erp.port }],
    });
    podDisruptionBudget(this, { name: ERP_NAME, namespace: erp.namespace, podLabels, maxUnavailable: 1 });
  }
}
