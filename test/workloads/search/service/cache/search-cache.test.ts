import assert from 'node:assert/strict';
import { embeddingKey } from '../../../../../workloads/search/service/cache/search-cache.js';

describe('embeddingKey', () => {
  it('keys embeddings by model id and a hash of the normalised text', () => {
    assert.equal(embeddingKey('m1', 'Red  Boots'), embeddingKey('m1', 'red boots'));
    assert.notEqual(embeddingKey('m1', 'red boots'), embeddingKey('m2', 'red boots'));
    assert.match(embeddingKey('m1', 'red boots'), /^m1:[0-9a-f]{64}$/);
  });
});
