import { strict as assert } from 'node:assert';
import { POOL_NAMES } from '../../charts/values/schema.js';
import { find, objectsOf, ofKind } from '../helpers/manifests.js';

interface Requirement {
  key: string;
  operator: string;
  values: string[];
}
interface NodePoolSpec {
  template: {
    metadata: { labels: Record<string, string> };
    spec: {
      taints: Array<{ key: string; value: string; effect: string }>;
      requirements: Requirement[];
      nodeClassRef: { name: string; kind: string; group: string };
    };
  };
  disruption: {
    consolidationPolicy: string;
    consolidateAfter: string;
    budgets: Array<{ nodes: string; reasons?: string[] }>;
  };
  limits: Record<string, string>;
}

function nodePool(name: string, overrides: Record<string, unknown> = {}): NodePoolSpec {
  return find(objectsOf('prod', overrides), 'NodePool', name).spec as NodePoolSpec;
}

function requirement(spec: NodePoolSpec, key: string): Requirement | undefined {
  return spec.template.spec.requirements.find((r) => r.key === key);
}

describe('PoolsChart', () => {
  it('makes one NodePool and one EC2NodeClass per role, in prod only', () => {
    const prod = objectsOf('prod');
    assert.deepEqual(
      ofKind(prod, 'NodePool')
        .map((o) => o.metadata.name)
        .sort(),
      [...POOL_NAMES].sort(),
    );
    assert.deepEqual(
      ofKind(prod, 'EC2NodeClass')
        .map((o) => o.metadata.name)
        .sort(),
      [...POOL_NAMES].sort(),
    );
    assert.equal(find(prod, 'NodePool', 'web').apiVersion, 'karpenter.sh/v1');
    assert.equal(find(prod, 'EC2NodeClass', 'web').apiVersion, 'karpenter.k8s.aws/v1');
    assert.equal(ofKind(objectsOf('dev'), 'NodePool').length, 0);
  });

  for (const pool of POOL_NAMES) {
    it(`labels and taints the ${pool} pool's nodes as dedicated`, () => {
      const spec = nodePool(pool);
      assert.deepEqual(spec.template.metadata.labels, { 'roleplane.io/pool': pool });
      assert.deepEqual(spec.template.spec.taints, [{ key: 'roleplane.io/pool', value: pool, effect: 'NoSchedule' }]);
      assert.deepEqual(spec.template.spec.nodeClassRef, {
        group: 'karpenter.k8s.aws',
        kind: 'EC2NodeClass',
        name: pool,
      });
    });
  }

  it('fits instances to the role: compute for search, memory for cache, general for erp, network for web, spot for dev', () => {
    assert.deepEqual(requirement(nodePool('search'), 'karpenter.k8s.aws/instance-category')?.values, ['c']);
    assert.deepEqual(requirement(nodePool('cache'), 'karpenter.k8s.aws/instance-category')?.values, ['r']);
    assert.deepEqual(requirement(nodePool('erp'), 'karpenter.k8s.aws/instance-category')?.values, ['m']);
    assert.equal(requirement(nodePool('web'), 'karpenter.k8s.aws/instance-network-bandwidth')?.operator, 'Gt');
    assert.deepEqual(requirement(nodePool('dev'), 'karpenter.sh/capacity-type')?.values, ['spot', 'on-demand']);
    for (const pool of ['erp', 'web', 'search', 'cache'])
      assert.deepEqual(requirement(nodePool(pool), 'karpenter.sh/capacity-type')?.values, ['on-demand']);
  });

  it('empties the dev pool quickly and lets all empty nodes go at once', () => {
    const dev = nodePool('dev');
    assert.equal(dev.disruption.consolidateAfter, '1m');
    assert.deepEqual(dev.disruption.budgets[0], { nodes: '100%', reasons: ['Empty'] });
    assert.deepEqual(nodePool('search').limits, { cpu: '64', memory: '256Gi' });
  });

  it('requires Nitro instances and enables the IPv6 metadata endpoint when IPv6 is on', () => {
    const objects = objectsOf('prod');
    assert.deepEqual(requirement(nodePool('web'), 'karpenter.k8s.aws/instance-hypervisor')?.values, ['nitro']);
    const nodeClass = find(objects, 'EC2NodeClass', 'web').spec as Record<string, unknown>;
    assert.equal((nodeClass.metadataOptions as Record<string, unknown>).httpProtocolIPv6, 'enabled');
    assert.equal((nodeClass.metadataOptions as Record<string, unknown>).httpTokens, 'required');
    const ipv4 = { platform: { provider: { karpenter: { ipv6: false } } } };
    assert.equal(requirement(nodePool('web', ipv4), 'karpenter.k8s.aws/instance-hypervisor'), undefined);
  });

  it('launches nodes without public IPs on an encrypted gp3 root volume', () => {
    const nodeClass = find(objectsOf('prod'), 'EC2NodeClass', 'cache').spec as {
      associatePublicIPAddress: boolean;
      blockDeviceMappings: Array<{
        rootVolume: boolean;
        ebs: { volumeType: string; encrypted: boolean; volumeSize: string };
      }>;
      amiSelectorTerms: Array<{ alias: string }>;
    };
    assert.equal(nodeClass.associatePublicIPAddress, false);
    assert.deepEqual(
      nodeClass.blockDeviceMappings.map((b) => [b.rootVolume, b.ebs.volumeType, b.ebs.encrypted, b.ebs.volumeSize]),
      [[true, 'gp3', true, '40Gi']],
    );
    assert.match(nodeClass.amiSelectorTerms[0]!.alias, /^al2023@v\d+$/);
  });

  it('emits no pool objects in labels mode', () => {
    const objects = objectsOf('prod', { platform: { provider: { mode: 'labels' } } });
    assert.equal(ofKind(objects, 'NodePool').length + ofKind(objects, 'EC2NodeClass').length, 0);
  });
});
