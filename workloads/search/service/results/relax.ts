import type { RowCriteria } from '../../index/serve/product-filter-index.js';
import type { FilterRules } from '../../query/rules.js';

/**
 * No dead ends: when the filters a query asked for leave no product, drop the fewest of them that gives results,
 * least important first, and say which (`relaxed: ["price"]`), as a storefront says "no leather armchairs under
 * $500 — showing leather armchairs".
 *
 * The order is the rules' `relax` list, or by default: price first, then the fields from the last listed in the
 * rules to the first (a rules file lists its fields most important first: category before colour). Fewer dropped
 * beats more: every single filter is tried, in order, before any pair. Exclusions ("without leather") are never
 * dropped: a shopper who said what they do not want must not be shown it. A field the `relax` list leaves out is
 * never dropped either.
 */
export function relaxOrder(rules: FilterRules, priceField: string | undefined): string[] {
  if (rules.relax) return rules.relax.map((name) => (name === 'price' && priceField ? priceField : name));
  return [...(priceField ? [priceField] : []), ...Object.keys(rules.fields).reverse()];
}

export interface Relaxation {
  readonly criteria: RowCriteria;
  /** The dropped constraints, in the order they were dropped ("price" for the price bounds). */
  readonly relaxed: string[];
  readonly candidates: Uint32Array | undefined;
}

/**
 * The first combination of dropped constraints (fewest first, then in `order`) under which `candidatesOf` finds
 * something; undefined when even dropping every droppable one finds nothing.
 */
export function relax(
  criteria: RowCriteria,
  order: readonly string[],
  priceField: string | undefined,
  candidatesOf: (criteria: RowCriteria) => Uint32Array | undefined,
): Relaxation | undefined {
  const hasPrice =
    criteria.price !== undefined && (criteria.price.gte !== undefined || criteria.price.lte !== undefined);
  const active = order.filter((name) => (name === priceField ? hasPrice : (criteria.filters[name]?.length ?? 0) > 0));
  for (let size = 1; size <= active.length; size += 1) {
    for (const dropped of combinations(active, size)) {
      const relaxed: RowCriteria = {
        filters: Object.fromEntries(Object.entries(criteria.filters).filter(([field]) => !dropped.includes(field))),
        exclude: criteria.exclude,
        ...(criteria.price && !(priceField !== undefined && dropped.includes(priceField))
          ? { price: criteria.price }
          : {}),
      };
      const candidates = candidatesOf(relaxed);
      if (candidates === undefined || candidates.length > 0)
        return {
          criteria: relaxed,
          relaxed: dropped.map((name) => (name === priceField ? 'price' : name)),
          candidates,
        };
    }
  }
  return undefined;
}

/** The `size`-element subsets of `items`, in lexicographic order of positions. */
function* combinations<T>(items: readonly T[], size: number, start = 0): Generator<T[]> {
  if (size === 0) {
    yield [];
    return;
  }
  for (let i = start; i <= items.length - size; i += 1)
    for (const rest of combinations(items, size - 1, i + 1)) yield [items[i] as T, ...rest];
}
