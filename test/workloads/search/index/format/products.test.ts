import { strict as assert } from 'node:assert';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ProductsFileError,
  parseProduct,
  readProducts,
  type Product,
} from '../../../../../workloads/search/index/format/products.js';
import { useTempDir } from '../../../../helpers/temp-dir.js';

async function collect(path: string): Promise<Array<{ line: number; product: Product }>> {
  const out = [];
  for await (const entry of readProducts(path)) out.push(entry);
  return out;
}

describe('workloads/search/index/format/products', () => {
  const tempDir = useTempDir('products');

  describe('parseProduct', () => {
    it('orders id, title, description, price first, trims title and description, drops nulls', () => {
      const product = parseProduct({
        color: 'red',
        price: 5,
        description: ' Soft. ',
        gone: null,
        title: '  Tee ',
        id: 'a',
        sizes: ['S'],
        isNew: true,
        stock: 3,
      });
      assert.equal(
        JSON.stringify(product),
        '{"id":"a","title":"Tee","description":"Soft.","price":5,"color":"red","sizes":["S"],"isNew":true,"stock":3}',
      );
      assert.equal(
        JSON.stringify(parseProduct({ id: 'b', title: 't', price: 0, description: '   ' })),
        '{"id":"b","title":"t","price":0}',
      );
    });

    it('keeps a field named __proto__ as a field', () => {
      const product = parseProduct(JSON.parse('{"id": "a", "title": "t", "price": 1, "__proto__": "x"}'));
      assert.equal(JSON.stringify(product), '{"id":"a","title":"t","price":1,"__proto__":"x"}');
    });
  });

  describe('readProducts', () => {
    it('skips blank lines, numbers lines as in the file and accepts CRLF and a BOM', async () => {
      const path = join(tempDir(), 'crlf.jsonl');
      writeFileSync(path, '\uFEFF{"id":"a","title":"A","price":1}\r\n\r\n   \r\n{"id":"b","title":"B","price":2}');
      const entries = await collect(path);
      assert.deepEqual(
        entries.map((e) => [e.line, e.product.id]),
        [
          [1, 'a'],
          [4, 'b'],
        ],
      );
    });

    it('names a missing file', async () => {
      const missing = join(tempDir(), 'missing.jsonl');
      await assert.rejects(
        collect(missing),
        (err: Error) => err instanceof ProductsFileError && err.message === `${missing}: file not found`,
      );
    });
  });
});
