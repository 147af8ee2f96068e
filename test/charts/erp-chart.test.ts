import { strict as assert } from 'node:assert';
import { find, objectsOf, ofKind, podTemplates } from '../helpers/manifests.js';

describe('ErpChart', () => {
  const objects = objectsOf('prod', {
    erp: { image: 'registry.example.com/erp:17.0.4', smtp: { host: 'relay.example.com', port: 2525 } },
  });
  const erp = objects.filter((o) => o.metadata.namespace === 'erp');

  it('runs the image from values with the shared ReadWriteMany volume mounted', () => {
    const pod = podTemplates(erp).find((p) => p.owner === 'Deployment erp/erp')!;
    assert.equal(pod.spec.containers[0]!.image, 'registry.example.com/erp:17.0.4');
    const pvc = find(erp, 'PersistentVolumeClaim', 'erp-files').spec as {
      accessModes: string[];
      storageClassName: string;
    };
    assert.deepEqual(pvc.accessModes, ['ReadWriteMany']);
    assert.equal(pvc.storageClassName, 'efs');
    const volume = pod.spec.volumes!.find((v) => v.persistentVolumeClaim?.claimName === 'erp-files');
    assert.ok(volume, 'the claim is a pod volume');
    assert.ok(
      pod.spec.containers[0]!.volumeMounts!.some((m) => m.name === volume.name && m.mountPath === '/var/lib/erp'),
    );
  });

  it('passes the SMTP relay settings from values', () => {
    assert.deepEqual(find(erp, 'ConfigMap', 'erp-smtp').data, {
      SMTP_HOST: 'relay.example.com',
      SMTP_PORT: '2525',
      SMTP_FROM: 'erp@example.com',
    });
  });

  it('has a Service and no Ingress', () => {
    assert.equal(find(erp, 'Service', 'erp').kind, 'Service');
    assert.equal(ofKind(objects, 'Ingress').filter((i) => i.metadata.namespace === 'erp').length, 0);
  });

  it('is only part of prod', () => {
    assert.equal(objectsOf('dev').filter((o) => o.metadata.namespace === 'erp').length, 0);
  });
});
