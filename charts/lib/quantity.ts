import { Size } from 'cdk8s';
import { Cpu } from 'cdk8s-plus-27';

const MEBIBYTES_PER_UNIT: Readonly<Record<string, number>> = { Ki: 1 / 1024, Mi: 1, Gi: 1024, Ti: 1024 * 1024 };

/** "512Mi", "8Gi" → mebibytes (values carry Kubernetes quantities with binary suffixes; the schema checks them). */
export function mebibytesOf(quantity: string): number {
  const factor = MEBIBYTES_PER_UNIT[quantity.slice(-2)];
  if (factor === undefined) throw new Error(`unsupported size quantity "${quantity}"`);
  return Number(quantity.slice(0, -2)) * factor;
}

/** "512Mi" → cdk8s Size, which cdk8s-plus wants. */
export function toSize(quantity: string): Size {
  return Size.mebibytes(mebibytesOf(quantity));
}

/** "250m" or "2" → cdk8s Cpu. */
export function toCpu(quantity: string): Cpu {
  return quantity.endsWith('m')
    ? Cpu.millis(Number(quantity.slice(0, -1)))
    : Cpu.millis(Math.round(Number(quantity) * 1000));
}

/** "250m" → 0.25, "2" → 2: a CPU quantity in cores. */
export function coresOf(quantity: string): number {
  return quantity.endsWith('m') ? Number(quantity.slice(0, -1)) / 1000 : Number(quantity);
}
