import { ApiObject, Chart, type ChartProps } from 'cdk8s';
import type { Construct } from 'constructs';
import { powerScheduleCrd } from '../operator/api/crd.js';

/** roleplane's own CRDs; applied (and waited for) before anything that uses them. */
export class CrdsChart extends Chart {
  constructor(scope: Construct, id: string, props: ChartProps = {}) {
    super(scope, id, props);
    const crd = powerScheduleCrd();
    new ApiObject(this, 'PowerScheduleCrd', crd as { apiVersion: string; kind: string });
  }
}
