import { strict as assert } from 'node:assert';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  compileRules,
  formatPath,
  loadRules,
  parseRules,
  RulesError,
} from '../../../../workloads/search/query/rules.js';
import { matchKey } from '../../../../workloads/search/query/tokenize.js';
import { useTempDir } from '../../../helpers/temp-dir.js';

const keys = (phrase: string): string[] => phrase.split(' ').map(matchKey);

const FIXTURE = join(import.meta.dirname, '..', '..', '..', 'fixtures', 'search', 'filters.json');

const valid = () => ({
  fields: { color: { red: ['red', 'crimson'], navy: ['navy', 'navy blue'] }, brand: { Nike: ['nike'] } },
  price: { field: 'price', currency: ['$', 'usd'] },
});

/** parseRules must throw a RulesError with exactly this message. */
function rejects(json: unknown, message: string): void {
  assert.throws(
    () => parseRules(json, 'filters.json'),
    (err: unknown) => {
      assert.ok(err instanceof RulesError, `RulesError expected, got ${String(err)}`);
      assert.equal(err.message, message);
      return true;
    },
  );
}

describe('workloads/search/query/rules', () => {
  describe('formatPath', () => {
    it('dots identifiers and brackets indexes and other keys', () => {
      assert.equal(formatPath(['fields', 'color', 'red', 2]), 'fields.color.red[2]');
      assert.equal(formatPath(['fields', 'color', 'navy blue', 0]), 'fields.color["navy blue"][0]');
      assert.equal(formatPath(['fields', 'brand', "Levi's"]), 'fields.brand["Levi\'s"]');
    });
  });

  describe('parseRules', () => {
    it('returns a clean copy of a valid file', () => {
      assert.deepEqual(parseRules(valid(), 'filters.json'), valid());
    });

    it('accepts a file without a price section', () => {
      assert.deepEqual(parseRules({ fields: { color: { red: ['red'] } } }, 'filters.json'), {
        fields: { color: { red: ['red'] } },
      });
    });

    const errors: Array<[string, () => unknown, string]> = [
      ['a non-object root', () => [], 'filters.json: must be a JSON object with "fields" (got an array)'],
      ['a missing fields section', () => ({ price: valid().price }), 'filters.json: fields: is required'],
      [
        'an unknown top-level key',
        () => ({ ...valid(), feilds: {} }),
        'filters.json: feilds: unknown key (expected "fields", "price", "facets", "relax" or "popularity")',
      ],
      [
        'fields that is not an object',
        () => ({ fields: ['color'] }),
        'filters.json: fields: must be an object of field → {canonical value → phrases} (got an array)',
      ],
      [
        'a field that is not an object',
        () => ({ fields: { color: 'red' } }),
        'filters.json: fields.color: must be an object of canonical value → phrases (got "red")',
      ],
      [
        'a field with no values',
        () => ({ fields: { color: {} } }),
        'filters.json: fields.color: must map at least one canonical value',
      ],
      [
        'a padded field name',
        () => ({ fields: { ' color': { red: ['red'] } } }),
        'filters.json: fields[" color"]: field name must be non-empty without surrounding spaces',
      ],
      [
        'phrases that are not an array',
        () => ({ fields: { color: { red: 'red' } } }),
        'filters.json: fields.color.red: must be an array of phrases (got "red")',
      ],
      [
        'an empty phrase list',
        () => ({ fields: { color: { red: [] } } }),
        'filters.json: fields.color.red: must list at least one phrase (the canonical value itself is not matched implicitly)',
      ],
      [
        'a number as a phrase',
        () => ({ fields: { color: { red: ['red', 'crimson', 3] } } }),
        'filters.json: fields.color.red[2]: must be a non-empty string (got number 3)',
      ],
      [
        'an empty phrase',
        () => ({ fields: { color: { red: ['red', '  '] } } }),
        'filters.json: fields.color.red[1]: must be a non-empty string (got "  ")',
      ],
      [
        'a phrase of punctuation only',
        () => ({ fields: { color: { red: ['!!!'] } } }),
        'filters.json: fields.color.red[0]: "!!!" must contain a word (write a bare number with its label, e.g. "size 10")',
      ],
      [
        'a bare number phrase',
        () => ({ fields: { size: { '10': ['10'] } } }),
        'filters.json: fields.size["10"][0]: "10" must contain a word (write a bare number with its label, e.g. "size 10")',
      ],
      [
        'a field named like the price field',
        () => ({ ...valid(), fields: { price: { cheap: ['cheap'] } } }),
        'filters.json: fields.price: is also the price field (price.field); price bounds come from the price grammar',
      ],
      [
        'a price section that is not an object',
        () => ({ ...valid(), price: '$' }),
        'filters.json: price: must be an object {"field", "currency"} (got "$")',
      ],
      [
        'a price section without field',
        () => ({ ...valid(), price: { currency: ['$'] } }),
        'filters.json: price.field: must be a non-empty string (got nothing)',
      ],
      [
        'an unknown price key',
        () => ({ ...valid(), price: { ...valid().price, symbol: '$' } }),
        'filters.json: price.symbol: unknown key (expected "field", "currency" or "bands")',
      ],
      [
        'currency that is not an array',
        () => ({ ...valid(), price: { field: 'price', currency: '$' } }),
        'filters.json: price.currency: must be an array of strings (got "$")',
      ],
      [
        'an empty currency entry',
        () => ({ ...valid(), price: { field: 'price', currency: ['$', ''] } }),
        'filters.json: price.currency[1]: must be a non-empty string (got "")',
      ],
      [
        'a currency entry with a number',
        () => ({ ...valid(), price: { field: 'price', currency: ['usd1'] } }),
        'filters.json: price.currency[0]: "usd1" must not contain a number',
      ],
      [
        'a currency entry of punctuation only',
        () => ({ ...valid(), price: { field: 'price', currency: ['.'] } }),
        'filters.json: price.currency[0]: "." has no word or currency symbol',
      ],
    ];
    for (const [name, json, message] of errors) {
      it(`rejects ${name}, naming the JSON path`, () => rejects(json(), message));
    }

    it('rejects a phrase mapped to two values of one field, naming both places', () => {
      rejects(
        { fields: { color: { navy: ['navy', 'dark blue'], blue: ['blue', 'Dark  Blue!'] } } },
        'filters.json: fields.color.blue[1]: phrase "Dark  Blue!" already maps to "navy" (fields.color.navy[1]); a phrase can mean only one value',
      );
    });

    it('compares phrases after plural folding', () => {
      rejects(
        { fields: { category: { boots: ['boots'], shoes: ['boot'] } } },
        'filters.json: fields.category.shoes[0]: phrase "boot" already maps to "boots" (fields.category.boots[0]); a phrase can mean only one value',
      );
    });

    it('rejects a phrase that means values of two fields', () => {
      rejects(
        { fields: { color: { gold: ['gold'] }, material: { gold: ['gold'] } } },
        'filters.json: fields.material.gold[0]: phrase "gold" already maps to color "gold" (fields.color.gold[0]); a phrase can mean only one value',
      );
    });

    it('rejects a phrase that is also a currency word', () => {
      rejects(
        { fields: { brand: { Euro: ['euro'] } }, price: { field: 'price', currency: ['€', 'euros'] } },
        'filters.json: fields.brand.Euro[0]: phrase "euro" is also a currency word (price.currency[1])',
      );
    });

    it('allows the same phrase twice for one value', () => {
      assert.doesNotThrow(() => parseRules({ fields: { color: { red: ['red', 'Red', 'reds'] } } }, 'filters.json'));
    });
  });

  describe('parseRules: results page settings', () => {
    it('keeps facets, relax, popularity and price bands', () => {
      const rules = parseRules(
        {
          ...valid(),
          facets: ['color', 'department'],
          relax: ['price', 'color', 'brand'],
          popularity: 'reviewCount',
          price: { field: 'price', currency: ['$'], bands: [25, 100] },
        },
        'filters.json',
      );
      assert.deepEqual(rules.facets, ['color', 'department']);
      assert.deepEqual(rules.relax, ['price', 'color', 'brand']);
      assert.equal(rules.popularity, 'reviewCount');
      assert.deepEqual(rules.price?.bands, [25, 100]);
    });

    it('rejects a relax entry that is not a rules field or price, naming the JSON path', () => {
      rejects(
        { ...valid(), relax: ['price', 'size'] },
        'filters.json: relax[1]: "size" is not a rules field or "price" (fields: color, brand)',
      );
    });

    it('rejects a facet listed twice, naming the JSON path', () => {
      rejects({ ...valid(), facets: ['color', 'color'] }, 'filters.json: facets[1]: "color" is listed twice');
    });

    it('rejects price bands that do not ascend, naming the JSON path', () => {
      rejects(
        { ...valid(), price: { field: 'price', currency: ['$'], bands: [100, 50] } },
        'filters.json: price.bands[1]: must be greater than the band edge before it (got 50)',
      );
    });

    it('rejects a popularity that is not a field name, naming the JSON path', () => {
      rejects(
        { ...valid(), popularity: 3 },
        'filters.json: popularity: must be the name of a numeric product field (got number 3)',
      );
    });
  });

  describe('compileRules', () => {
    it('maps normalised, plural-folded phrase tokens to the field and canonical value', () => {
      const compiled = compileRules(parseRules(valid(), 'filters.json'));
      assert.deepEqual(compiled.phrases.get(keys('navy blue')), { field: 'color', canonical: 'navy' });
      assert.deepEqual(compiled.phrases.get(keys('crimson')), { field: 'color', canonical: 'red' });
      assert.equal(compiled.phrases.get(keys('blue')), undefined);
      assert.equal(compiled.price?.field, 'price');
      assert.equal(compiled.price?.currency.get(['$']), true);
      assert.deepEqual([...(compiled.price?.attachedCurrency ?? [])], ['$', 'usd']);
    });
  });

  describe('loadRules', () => {
    const tempDir = useTempDir('rules');

    it('loads and compiles the fixture', () => {
      const compiled = loadRules(FIXTURE);
      assert.equal(compiled.source, FIXTURE);
      assert.deepEqual(compiled.phrases.get(keys('dark blue')), { field: 'color', canonical: 'navy' });
    });

    it('names a missing file', () => {
      const path = join(tempDir(), 'missing.json');
      assert.throws(() => loadRules(path), { name: 'RulesError', message: `${path}: rules file not found` });
    });

    it('names the file and the syntax error of invalid JSON', () => {
      const path = join(tempDir(), 'broken.json');
      writeFileSync(path, '{"fields": {');
      assert.throws(
        () => loadRules(path),
        (err: unknown) => err instanceof RulesError && err.message.startsWith(`${path}: invalid JSON: `),
      );
    });

    it('prefixes validation errors with the file path', () => {
      const path = join(tempDir(), 'filters.json');
      writeFileSync(path, JSON.stringify({ fields: { color: { red: ['red', 7] } } }));
      assert.throws(() => loadRules(path), {
        message: `${path}: fields.color.red[1]: must be a non-empty string (got number 7)`,
      });
    });
  });
});
