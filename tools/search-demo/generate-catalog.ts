import { parseRules, type FilterRules } from '../../workloads/search/query/rules.js';
import { Prng } from '../../workloads/search/index/serve/ann/prng.js';
import {
  ADJECTIVES,
  APPAREL_SIZES,
  BRANDS,
  CATEGORIES,
  CLOSERS,
  COLORS,
  MATERIALS,
  OPENERS,
  ruleFields,
  SHOE_SIZES,
  type BrandSpec,
  type CategorySpec,
  type Department,
} from './vocabulary.js';

/**
 * A realistic demo catalog (shoes, clothes, bags, kitchen and furniture) drawn from the lists in vocabulary.ts
 * with a seeded PRNG: the same options give the same products on every machine. Every product's category,
 * color, brand, material and department is a canonical value of demoRules(), so every filter the service
 * extracts from a query can match something.
 */

export interface DemoProduct {
  readonly id: string;
  readonly title: string;
  readonly description: string;
  /** Dollars, two decimals. */
  readonly price: number;
  readonly category: string;
  readonly color: string;
  readonly brand: string;
  readonly material: string;
  /** Absent for home goods. */
  readonly department?: Department;
  /** Sizes on offer; absent for products without sizes. */
  readonly sizes?: readonly string[];
  /** 3.0 to 5.0, one decimal. */
  readonly rating: number;
  readonly reviewCount: number;
  readonly inStock: boolean;
}

export interface GenerateCatalogOptions {
  readonly count: number;
  /** @default 42 */
  readonly seed?: number;
}

export const DEMO_SEED = 42;
export const DEMO_CURRENCY = ['$', 'usd', 'dollars', 'dollar', 'bucks'] as const;
/** Brands whose every product is for one department (a children's label). */
const BRAND_DEPARTMENTS: Readonly<Record<string, Department>> = { 'Little Otter': 'kids' };
const PRICE_ENDINGS = [0.99, 0.99, 0.95, 0.5, 0] as const;

/** The rules file matching the generated products (validated, so a clash in the lists fails here). */
export function demoRules(): FilterRules {
  return parseRules({ fields: ruleFields(), price: { field: 'price', currency: [...DEMO_CURRENCY] } }, 'demoRules()');
}

const titleCase = (text: string): string =>
  text.replace(/(^|[\s-])(\p{L})/gu, (_, before: string, letter: string) => before + letter.toUpperCase());
const capitalize = (text: string): string => text.charAt(0).toUpperCase() + text.slice(1);

function brandsByCategory(): Map<string, BrandSpec[]> {
  const map = new Map<string, BrandSpec[]>(CATEGORIES.map((c) => [c.canonical, []]));
  for (const brand of BRANDS) {
    for (const category of brand.categories) {
      const list = map.get(category);
      if (!list) throw new Error(`vocabulary: brand ${brand.name} lists unknown category "${category}"`);
      list.push(brand);
    }
  }
  for (const [category, list] of map)
    if (list.length === 0) throw new Error(`vocabulary: no brand makes "${category}"`);
  return map;
}

/** A noun that names a material ("Leather Belt") fixes the material, so the title never says "Canvas Leather Belt". */
function materialNamedIn(noun: string, category: CategorySpec): string | undefined {
  const lower = noun.toLowerCase();
  return category.materials.find((material) => new RegExp(`\\b${material}\\b`).test(lower));
}

function priceOf(prng: Prng, category: CategorySpec, tier: number): number {
  const [min, max] = category.price;
  const u = prng.next();
  // Skewed towards the cheaper end, like real assortments.
  const base = (min + (max - min) * u * u) * tier;
  return Math.round((Math.max(1, Math.floor(base)) + prng.pick(PRICE_ENDINGS)) * 100) / 100;
}

function sizesOf(prng: Prng, category: CategorySpec, department: Department | undefined): string[] | undefined {
  if (category.sizes === 'none') return undefined;
  if (category.sizes === 'one-size' || !department) return ['One Size'];
  const all = category.sizes === 'shoe' ? SHOE_SIZES[department] : APPAREL_SIZES[department];
  const length = prng.int(Math.min(4, all.length), all.length);
  const start = prng.int(0, all.length - length);
  return all.slice(start, start + length);
}

function fill(template: string, values: Readonly<Record<string, string>>): string {
  return template.replace(/\{([a-z]+)\}/g, (whole, key: string) => values[key] ?? whole);
}

export function* generateCatalog(options: GenerateCatalogOptions): Generator<DemoProduct> {
  const { count } = options;
  const seed = options.seed ?? DEMO_SEED;
  if (!Number.isSafeInteger(count) || count < 0)
    throw new RangeError(`generateCatalog: count must be a non-negative integer (got ${count})`);
  const prng = new Prng(seed);
  const brands = brandsByCategory();
  // "for {department}" only reads well when there is one.
  const homeOpeners = OPENERS.filter((opener) => !opener.includes('{department}'));

  for (let i = 0; i < count; i += 1) {
    const category = prng.pick(CATEGORIES);
    const brand = prng.pick(brands.get(category.canonical) as BrandSpec[]);
    const noun = prng.pick(category.nouns);
    const namedMaterial = materialNamedIn(noun, category);
    const material = namedMaterial ?? prng.pick(category.materials);
    const color = prng.pick(category.colors);
    const style = prng.pick(category.styles);
    const adjective = prng.pick(ADJECTIVES);
    const brandDepartment = BRAND_DEPARTMENTS[brand.name];
    const department =
      category.departments.length === 0 ? undefined : (brandDepartment ?? prng.pick(category.departments));
    const departmentLabel =
      department === 'kids' ? "Kids'" : department === 'men' ? "Men's" : department === 'women' ? "Women's" : adjective;
    // Leave the material out of the title when the noun already says it.
    const materialWord = namedMaterial ? '' : `${titleCase(material)} `;

    const titles = [
      `${brand.name} ${style} ${noun} - ${titleCase(color)}`,
      `${brand.name} ${departmentLabel} ${materialWord}${noun}`,
      `${adjective} ${titleCase(color)} ${materialWord}${noun} by ${brand.name}`,
      `${brand.name} ${style} ${titleCase(color)} ${noun}`,
    ];
    const values = {
      adjective: adjective.toLowerCase(),
      noun: noun.toLowerCase(),
      color,
      material,
      brand: brand.name,
      department: department ?? '',
    };
    const sentences = [
      fill(prng.pick(department ? OPENERS : homeOpeners), values),
      ...prng.sample(category.features, 2).map((f) => fill(f, values)),
    ];
    if (prng.chance(0.5)) sentences.push(prng.pick(CLOSERS));

    const sizes = sizesOf(prng, category, department);
    yield {
      id: `SKU-${String(i + 1).padStart(6, '0')}`,
      title: prng.pick(titles),
      description: sentences.map(capitalize).join(' '),
      price: priceOf(prng, category, brand.tier),
      category: category.canonical,
      color,
      brand: brand.name,
      material,
      ...(department ? { department } : {}),
      ...(sizes ? { sizes } : {}),
      rating: prng.int(30, 50) / 10,
      reviewCount: Math.floor(prng.next() ** 3 * 2500),
      inStock: prng.chance(0.92),
    };
  }
}

/**
 * Every colour and material a category uses is a canonical value of the rules, and every category has a brand;
 * a slip in the lists would make products that no filter can find.
 */
export function checkVocabulary(): void {
  for (const category of CATEGORIES) {
    for (const material of category.materials) {
      if (!Object.hasOwn(MATERIALS, material))
        throw new Error(`vocabulary: category "${category.canonical}" uses unknown material "${material}"`);
    }
    for (const color of category.colors) {
      if (!Object.hasOwn(COLORS, color))
        throw new Error(`vocabulary: category "${category.canonical}" uses unknown color "${color}"`);
    }
  }
  brandsByCategory();
}
