import { Chart, type ChartProps } from 'cdk8s';
import type { Construct } from 'constructs';
import {
  Ec2NodeClass,
  Ec2NodeClassSpecBlockDeviceMappingsEbsVolumeType,
  Ec2NodeClassSpecMetadataOptionsHttpEndpoint,
  Ec2NodeClassSpecMetadataOptionsHttpProtocolIPv6,
  Ec2NodeClassSpecMetadataOptionsHttpTokens,
} from '../imports/karpenter.k8s.aws.js';
import {
  NodePool,
  NodePoolSpecDisruptionBudgetsReasons,
  NodePoolSpecDisruptionConsolidationPolicy,
  NodePoolSpecLimits,
  NodePoolSpecTemplateSpecRequirementsOperator as Op,
  NodePoolSpecTemplateSpecTaintsEffect,
  type NodePoolSpecTemplateSpecRequirements,
} from '../imports/karpenter.sh.js';
import { POOL_KEY, poolTaint } from './lib/pool.js';
import { POOL_NAMES, type PlatformValues, type PoolName, type PoolValues } from './values/schema.js';

/** The tag Karpenter finds a cluster's subnets and security groups by; the pools' instances carry it too. */
const DISCOVERY_TAG = 'karpenter.sh/discovery';

/** What a NodePool's `nodeClassRef` names: the EC2NodeClass kind and its API group, from the generated import. */
const EC2_NODE_CLASS_REF = {
  group: Ec2NodeClass.GVK.apiVersion.split('/')[0]!,
  kind: Ec2NodeClass.GVK.kind,
};

/** Role-specific instance requirements on top of the values (categories, generation, capacity type). */
const ROLE_REQUIREMENTS: Readonly<Record<PoolName, readonly NodePoolSpecTemplateSpecRequirements[]>> = {
  erp: [],
  // Network-optimised: only sizes whose baseline bandwidth is at least 10 Gbps (c6in/m6in/c7gn and large sizes).
  web: [{ key: 'karpenter.k8s.aws/instance-network-bandwidth', operator: Op.GT, values: ['9999'] }],
  dev: [],
  // Compute-optimised with enough memory per node to hold the embeddings of a large catalog.
  search: [{ key: 'karpenter.k8s.aws/instance-memory', operator: Op.GT, values: ['8191'] }],
  cache: [],
};

export interface PoolsChartProps extends ChartProps {
  readonly platform: PlatformValues;
}

/**
 * One dedicated Karpenter NodePool + EC2NodeClass per role. Nodes carry the label and NoSchedule taint
 * `roleplane.io/pool=<pool>`; nothing else schedules there. In `labels` mode this chart is not created.
 */
export class PoolsChart extends Chart {
  constructor(scope: Construct, id: string, props: PoolsChartProps) {
    super(scope, id, props);
    for (const pool of POOL_NAMES) this.addPool(pool, props.platform.pools[pool], props.platform.provider.karpenter);
  }

  private addPool(pool: PoolName, values: PoolValues, aws: PlatformValues['provider']['karpenter']): void {
    new Ec2NodeClass(this, `${pool}-nodeclass`, {
      metadata: { name: pool },
      spec: {
        role: aws.nodeRole,
        amiSelectorTerms: [{ alias: aws.amiAlias }],
        subnetSelectorTerms: [{ tags: { [DISCOVERY_TAG]: aws.clusterName } }],
        securityGroupSelectorTerms: [{ tags: { [DISCOVERY_TAG]: aws.clusterName } }],
        associatePublicIpAddress: false,
        metadataOptions: {
          httpEndpoint: Ec2NodeClassSpecMetadataOptionsHttpEndpoint.ENABLED,
          httpProtocolIPv6: aws.ipv6
            ? Ec2NodeClassSpecMetadataOptionsHttpProtocolIPv6.ENABLED
            : Ec2NodeClassSpecMetadataOptionsHttpProtocolIPv6.DISABLED,
          // One hop keeps pods (one hop further away) from reading the node's IMDS credentials.
          httpPutResponseHopLimit: 1,
          httpTokens: Ec2NodeClassSpecMetadataOptionsHttpTokens.REQUIRED,
        },
        blockDeviceMappings: [
          {
            deviceName: '/dev/xvda',
            rootVolume: true,
            ebs: {
              volumeSize: `${aws.rootVolumeGi}Gi`,
              volumeType: Ec2NodeClassSpecBlockDeviceMappingsEbsVolumeType.GP3,
              encrypted: true,
              deleteOnTermination: true,
            },
          },
        ],
        tags: { [POOL_KEY]: pool, [DISCOVERY_TAG]: aws.clusterName },
      },
    });

    const requirements: NodePoolSpecTemplateSpecRequirements[] = [
      { key: 'karpenter.sh/capacity-type', operator: Op.IN, values: [...values.capacityTypes] },
      { key: 'kubernetes.io/arch', operator: Op.IN, values: [...values.architectures] },
      { key: 'kubernetes.io/os', operator: Op.IN, values: ['linux'] },
      { key: 'karpenter.k8s.aws/instance-category', operator: Op.IN, values: [...values.instanceCategories] },
      { key: 'karpenter.k8s.aws/instance-generation', operator: Op.GT, values: [String(values.minGeneration - 1)] },
      ...ROLE_REQUIREMENTS[pool],
    ];
    // The VPC CNI supports IPv6 only on Nitro instances.
    if (aws.ipv6)
      requirements.push({ key: 'karpenter.k8s.aws/instance-hypervisor', operator: Op.IN, values: ['nitro'] });

    const taint = poolTaint(pool);
    new NodePool(this, `${pool}-nodepool`, {
      metadata: { name: pool },
      spec: {
        template: {
          metadata: { labels: { [POOL_KEY]: pool } },
          spec: {
            nodeClassRef: { ...EC2_NODE_CLASS_REF, name: pool },
            taints: [{ key: taint.key, value: taint.value, effect: NodePoolSpecTemplateSpecTaintsEffect.NO_SCHEDULE }],
            requirements,
            expireAfter: values.expireAfter,
          },
        },
        limits: {
          cpu: NodePoolSpecLimits.fromString(values.limits.cpu),
          memory: NodePoolSpecLimits.fromString(values.limits.memory),
        },
        disruption: {
          consolidationPolicy:
            values.consolidationPolicy === 'WhenEmpty'
              ? NodePoolSpecDisruptionConsolidationPolicy.WHEN_EMPTY
              : NodePoolSpecDisruptionConsolidationPolicy.WHEN_EMPTY_OR_UNDERUTILIZED,
          consolidateAfter: values.consolidateAfter,
          budgets: [
            // Empty nodes (the dev pool at night) all go at once: they hold no pods, only cost.
            { nodes: '100%', reasons: [NodePoolSpecDisruptionBudgetsReasons.EMPTY] },
            // Nodes with pods go one at a time, so a role never loses more than one node's pods at once.
            {
              nodes: '1',
              reasons: [
                NodePoolSpecDisruptionBudgetsReasons.UNDERUTILIZED,
                NodePoolSpecDisruptionBudgetsReasons.DRIFTED,
              ],
            },
          ],
        },
      },
    });
  }
}
