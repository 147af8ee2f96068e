import type { Product } from '../format/products.js';

/**
 * The text embedded for a product: the title, then the values of `textFields` (the rules file's fields, in its
 * order: category, colour, brand, … — the words shoppers search with), then the description. Title and
 * attributes come first because models truncate long inputs from the end. Numbers and booleans are left out
 * (a bare "4.5" or "true" carries no meaning for a text model), and so are attributes the rules do not name
 * (SKUs, URLs, stock counts are noise to an embedding).
 */
export function productText(product: Product, textFields: readonly string[]): string {
  const parts: string[] = [product.title];
  const values: string[] = [];
  for (const field of textFields) {
    const value = product[field];
    if (typeof value === 'string' && value.trim() !== '') values.push(value.trim());
    else if (Array.isArray(value)) values.push(...(value as readonly string[]).filter((v) => v.trim() !== ''));
  }
  if (values.length > 0) parts.push(values.join(', '));
  if (product.description) parts.push(product.description);
  return parts.join('. ');
}
