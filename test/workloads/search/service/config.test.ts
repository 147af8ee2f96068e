import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import {
  loadSearchConfig,
  SEARCH_ENV,
  SEARCH_SETTINGS,
  SearchConfigError,
} from '../../../../workloads/search/service/config.js';

describe('loadSearchConfig', () => {
  it('fills defaults around the one required setting', () => {
    const config = loadSearchConfig({ [SEARCH_ENV.dataDir]: '/data/index' });
    assert.deepEqual(config, {
      host: '0.0.0.0',
      port: 8080,
      dataDir: '/data/index',
      cacheTimeoutMs: SEARCH_SETTINGS.cacheTimeoutMs.default,
      cacheKeyPrefix: 'roleplane:search:',
      embeddingTtlSeconds: 7 * 24 * 3600,
      popularHalfLifeHours: 24,
      popularMaxEntries: 10_000,
      suggestMinClients: 3,
      suggestMinAgeMinutes: 60,
      suggestMaxLength: 64,
      clientIdHeader: 'x-client-id',
      popularFlushMs: 1000,
      logLevel: 'info',
      vectorIndex: 'auto',
      embeddingsIn: 'memory',
      vectorThreads: Math.max(1, availableParallelism()),
    });
  });

  it('reads every variable, and flags win over them', () => {
    const env = {
      [SEARCH_ENV.dataDir]: '/env/data',
      [SEARCH_ENV.port]: '9000',
      [SEARCH_ENV.host]: '127.0.0.1',
      [SEARCH_ENV.modelDir]: '/models/mini',
      [SEARCH_ENV.valkeyUrl]: 'redis://valkey.search.svc:6379',
      [SEARCH_ENV.valkeyPassword]: 's3cret',
      [SEARCH_ENV.cacheTimeoutMs]: '80',
      [SEARCH_ENV.embeddingTtlSeconds]: '60',
      [SEARCH_ENV.popularHalfLifeHours]: '0.5',
      [SEARCH_ENV.popularMaxEntries]: '100',
      [SEARCH_ENV.logLevel]: 'debug',
      [SEARCH_ENV.vectorIndex]: 'exact',
      [SEARCH_ENV.vectorThreads]: '3',
    };
    const config = loadSearchConfig(env, { dataDir: '/flag/data', port: '7000' });
    assert.equal(config.dataDir, '/flag/data');
    assert.equal(config.port, 7000);
    assert.equal(config.host, '127.0.0.1');
    assert.equal(config.modelDir, '/models/mini');
    assert.equal(config.valkeyUrl, 'redis://valkey.search.svc:6379');
    assert.equal(config.valkeyPassword, 's3cret');
    assert.equal(config.cacheTimeoutMs, 80);
    assert.equal(config.embeddingTtlSeconds, 60);
    assert.equal(config.popularHalfLifeHours, 0.5);
    assert.equal(config.popularMaxEntries, 100);
    assert.equal(config.logLevel, 'debug');
    assert.equal(config.vectorIndex, 'exact');
    assert.equal(config.vectorThreads, 3);
    assert.equal(loadSearchConfig(env, { vectorIndex: 'hnsw' }).vectorIndex, 'hnsw');
  });

  const bad: Array<[string, Record<string, string>, RegExp]> = [
    ['no data directory', {}, /^SEARCH_DATA_DIR \(or --data\): required — the index directory/],
    [
      'a port that is not a number',
      { [SEARCH_ENV.port]: 'http' },
      /^SEARCH_PORT: must be an integer from 0 to 65535 \(got "http"\)$/,
    ],
    [
      'a port out of range',
      { [SEARCH_ENV.port]: '70000' },
      /^SEARCH_PORT: must be an integer from 0 to 65535 \(got "70000"\)$/,
    ],
    [
      'a zero cache timeout',
      { [SEARCH_ENV.cacheTimeoutMs]: '0' },
      /^SEARCH_CACHE_TIMEOUT_MS: must be an integer from 1 to 10000 \(got "0"\)$/,
    ],
    [
      'a fractional TTL',
      { [SEARCH_ENV.embeddingTtlSeconds]: '1.5' },
      /^SEARCH_EMBEDDING_TTL_SECONDS: must be an integer/,
    ],
    [
      'a negative half-life',
      { [SEARCH_ENV.popularHalfLifeHours]: '-1' },
      /^SEARCH_POPULAR_HALF_LIFE_HOURS: must be a number above 0, at most 87600 \(got "-1"\)$/,
    ],
    [
      'a Valkey URL that is not a URL',
      { [SEARCH_ENV.valkeyUrl]: 'valkey.search.svc:6379' },
      /^SEARCH_VALKEY_URL: expected a redis:\/\/ or rediss:\/\/ URL \(got "valkey.search.svc:6379"\)$/,
    ],
    [
      'an http URL for Valkey',
      { [SEARCH_ENV.valkeyUrl]: 'http://valkey:6379' },
      /expected a redis:\/\/ or rediss:\/\/ URL \(got "http:\/\/valkey:6379"\)/,
    ],
    [
      'an unknown vector index mode',
      { [SEARCH_ENV.vectorIndex]: 'faiss' },
      /^SEARCH_VECTOR_INDEX: must be one of auto, exact, hnsw \(got "faiss"\)$/,
    ],
    [
      'zero vector threads',
      { [SEARCH_ENV.vectorThreads]: '0' },
      /^SEARCH_VECTOR_THREADS: must be an integer from 1 to 256 \(got "0"\)$/,
    ],
    [
      'an unknown log level',
      { [SEARCH_ENV.logLevel]: 'loud' },
      /^SEARCH_LOG_LEVEL: must be one of fatal, error, warn, info, debug, trace, silent \(got "loud"\)$/,
    ],
  ];
  for (const [name, env, message] of bad) {
    it(`names the variable for ${name}`, () => {
      const withData = name === 'no data directory' ? env : { [SEARCH_ENV.dataDir]: '/data', ...env };
      assert.throws(
        () => loadSearchConfig(withData),
        (err: unknown) => err instanceof SearchConfigError && message.test(err.message),
      );
    });
  }

  it('reads where the product vectors live, from the variable or --embeddings-in, and nowhere else', () => {
    const env = { [SEARCH_ENV.dataDir]: '/d', [SEARCH_ENV.embeddingsIn]: 'page-cache' };
    assert.equal(loadSearchConfig(env).embeddingsIn, 'page-cache');
    assert.equal(loadSearchConfig(env, { embeddingsIn: 'memory' }).embeddingsIn, 'memory');
    assert.throws(() => loadSearchConfig({ ...env, [SEARCH_ENV.embeddingsIn]: 'mmap' }), {
      name: 'SearchConfigError',
      message: 'SEARCH_EMBEDDINGS_IN: must be one of memory, page-cache (got "mmap")',
    });
  });

  it('names the flag, not the variable, when the bad value came from a flag', () => {
    assert.throws(
      () => loadSearchConfig({ [SEARCH_ENV.dataDir]: '/data', [SEARCH_ENV.port]: '9000' }, { port: 'eighty' }),
      (err: unknown) =>
        err instanceof SearchConfigError && err.message === '--port: must be an integer from 0 to 65535 (got "eighty")',
    );
  });

  it('keeps a password exactly as given, and treats empty or blank values as unset', () => {
    const config = loadSearchConfig({
      [SEARCH_ENV.dataDir]: '  /data  ',
      [SEARCH_ENV.valkeyPassword]: ' pass word ',
      [SEARCH_ENV.port]: '   ',
      [SEARCH_ENV.valkeyUrl]: '',
    });
    assert.equal(config.dataDir, '/data');
    assert.equal(config.valkeyPassword, ' pass word ');
    assert.equal(config.port, 8080);
    assert.equal(config.valkeyUrl, undefined);
  });

  it('has one variable per setting, all SEARCH_*, and no flag twice', () => {
    const envs = Object.values(SEARCH_SETTINGS).map((setting) => setting.env);
    assert.equal(new Set(envs).size, envs.length);
    for (const env of envs) assert.match(env, /^SEARCH_[A-Z_]+$/);
    const flags = Object.values(SEARCH_SETTINGS).flatMap((setting) => ('flag' in setting ? [setting.flag] : []));
    assert.equal(new Set(flags).size, flags.length);
  });

  it('keeps the variable names the chart sets', () => {
    assert.deepEqual(
      [
        SEARCH_ENV.host,
        SEARCH_ENV.port,
        SEARCH_ENV.dataDir,
        SEARCH_ENV.modelDir,
        SEARCH_ENV.valkeyUrl,
        SEARCH_ENV.valkeyPassword,
      ],
      [
        'SEARCH_HOST',
        'SEARCH_PORT',
        'SEARCH_DATA_DIR',
        'SEARCH_MODEL_DIR',
        'SEARCH_VALKEY_URL',
        'SEARCH_VALKEY_PASSWORD',
      ],
    );
  });
});
