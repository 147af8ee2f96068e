import { readFileSync } from 'node:fs';
import type { Product } from '../../workloads/search/index/format/products.js';

/**
 * The judged query set shipped with the furniture test catalog (test/fixtures/search/furniture/): queries with typos,
 * synonyms, negations, price words and zero-result filters, each grading the catalog's products by what a shopper
 * asked for (judgments.json says how). Read by `npm run bench:relevance` and by the relevance test.
 */

export const FURNITURE_DIR = new URL('../../test/fixtures/search/furniture/', import.meta.url);
export const FURNITURE_CATALOG = new URL('catalog.jsonl', FURNITURE_DIR).pathname;
export const FURNITURE_RULES = new URL('filters.json', FURNITURE_DIR).pathname;
export const FURNITURE_JUDGMENTS = new URL('judgments.json', FURNITURE_DIR).pathname;

type Condition = string | number | readonly string[] | { readonly gte?: number; readonly lte?: number } | Where;
interface Where {
  readonly [field: string]: Condition;
}

export interface JudgedQuery {
  readonly q: string;
  readonly kind: string;
  /** The filters as written match nothing in the catalog. */
  readonly zero?: boolean;
  readonly grades: ReadonlyArray<{ readonly where: Where; readonly grade: number }>;
}

export function readJudgments(path = FURNITURE_JUDGMENTS): JudgedQuery[] {
  return (JSON.parse(readFileSync(path, 'utf8')) as { queries: JudgedQuery[] }).queries;
}

function matches(product: Product, where: Where): boolean {
  return Object.entries(where).every(([key, condition]) => {
    if (key === 'not') return !Object.entries(condition as Where).some(([f, v]) => matches(product, { [f]: v }));
    if (key.endsWith('_has')) {
      const value = product[key.slice(0, -'_has'.length)];
      return (
        typeof value === 'string' &&
        typeof condition === 'string' &&
        value.toLowerCase().includes(condition.toLowerCase())
      );
    }
    const value = product[key];
    if (typeof condition === 'object' && !Array.isArray(condition)) {
      const { gte, lte } = condition as { gte?: number; lte?: number };
      return typeof value === 'number' && (gte === undefined || value >= gte) && (lte === undefined || value <= lte);
    }
    const accepted = (Array.isArray(condition) ? condition : [condition]) as ReadonlyArray<string | number>;
    return accepted.some((a) => (Array.isArray(value) ? value.includes(String(a)) : value === a));
  });
}

/** A product's grade for a query: the highest grade of an entry it matches, 0 when none. */
export function gradeOf(query: JudgedQuery, product: Product): number {
  let grade = 0;
  for (const entry of query.grades) if (entry.grade > grade && matches(product, entry.where)) grade = entry.grade;
  return grade;
}

/**
 * nDCG@k with exponential gains (2^grade − 1) and log2 discounts, against the best order of the whole catalog;
 * undefined for a query no product is relevant to.
 */
export function ndcgAt(
  k: number,
  query: JudgedQuery,
  ranked: readonly Product[],
  catalog: readonly Product[],
): number | undefined {
  const dcg = (grades: readonly number[]): number =>
    grades.slice(0, k).reduce((sum, grade, i) => sum + (2 ** grade - 1) / Math.log2(i + 2), 0);
  const ideal = dcg(catalog.map((p) => gradeOf(query, p)).sort((a, b) => b - a));
  if (ideal === 0) return undefined;
  return dcg(ranked.map((p) => gradeOf(query, p))) / ideal;
}
