import { readFileSync } from 'node:fs';
import { z } from 'zod';

/** The price table shipped with roleplane (`price-table.json` beside this file). */
export const DEFAULT_PRICE_TABLE_URL = new URL('./price-table.json', import.meta.url);

const price = z.number().nonnegative().finite();
const cpuQuantity = z.string().regex(/^([0-9]+m|[0-9]+(\.[0-9]{1,3})?)$/, 'must be a CPU quantity such as "150m"');
const memoryQuantity = z.string().regex(/^[0-9]+(Ki|Mi|Gi)$/, 'must be a size such as "200Mi"');

const instanceType = z.strictObject({
  vcpu: z.number().int().min(1),
  memoryGiB: z.number().positive(),
  /** Baseline bandwidth in Mbps, as Karpenter's `karpenter.k8s.aws/instance-network-bandwidth` label. */
  networkMbps: z.number().int().nonnegative(),
  arch: z.enum(['amd64', 'arm64']),
  hypervisor: z.enum(['nitro', 'xen']),
  /** Per hour. */
  onDemand: price,
  /** Per hour; absent where the type is not offered as spot. */
  spot: price.optional(),
});

export const priceTableSchema = z.strictObject({
  $comment: z.string().optional(),
  /** When the prices were taken, YYYY-MM-DD. */
  date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date such as "2026-01-19"'),
  region: z.string().min(1),
  currency: z.string().min(1),
  /** Hours in a billed month (AWS uses 730). */
  hoursPerMonth: z.number().positive().max(744),
  source: z.record(z.string(), z.string()),
  /** The public IPv4 address charge, per address and hour. */
  publicIpv4PerHour: price,
  /** What every node runs besides the pools' pods (DaemonSets), taken off its allocatable. */
  nodeOverhead: z.strictObject({ $comment: z.string().optional(), cpu: cpuQuantity, memory: memoryQuantity }),
  instanceTypes: z
    .record(
      z.string().regex(/^[a-z][a-z0-9-]*\.[a-z0-9-]+$/, 'must be an instance type name such as "m6i.large"'),
      instanceType,
    )
    .refine((types) => Object.keys(types).length > 0, 'must list at least one instance type'),
});

export type PriceTable = z.infer<typeof priceTableSchema>;
export type InstanceTypePrice = PriceTable['instanceTypes'][string];

/** A price file that cannot be used, with every problem in the message. */
export class PriceTableError extends Error {
  constructor(
    readonly source: string,
    readonly problems: readonly string[],
  ) {
    super(`invalid price table (${source}):\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'PriceTableError';
  }
}

/** Reads and validates a price table (JSON); the default is the one shipped with roleplane. */
export function loadPriceTable(file?: string): PriceTable {
  const source = file ?? 'the built-in price table';
  let text: string;
  try {
    text = readFileSync(file ?? DEFAULT_PRICE_TABLE_URL, 'utf8');
  } catch (err) {
    throw new PriceTableError(source, [`cannot read the file: ${(err as NodeJS.ErrnoException).code ?? String(err)}`]);
  }
  let content: unknown;
  try {
    content = JSON.parse(text);
  } catch (err) {
    throw new PriceTableError(source, [`not JSON: ${(err as Error).message}`]);
  }
  const result = priceTableSchema.safeParse(content);
  if (!result.success) {
    throw new PriceTableError(
      source,
      result.error.issues.map((issue) => `${issue.path.map(String).join('.') || '(root)'}: ${issue.message}`),
    );
  }
  return result.data;
}

/** `m6i.large` → category `m`, family `m6i`, generation 6, size `large`. */
export function describeInstanceType(name: string): {
  category: string;
  family: string;
  generation: number;
  size: string;
} {
  const match = /^([a-z]+?)(\d+)([a-z-]*)\.(.+)$/.exec(name);
  if (!match) throw new Error(`cannot read the family of instance type "${name}"`);
  const [, category, generation, , size] = match as unknown as [string, string, string, string, string];
  return { category, family: name.slice(0, name.indexOf('.')), generation: Number(generation), size };
}
