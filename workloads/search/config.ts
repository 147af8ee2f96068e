/**
 * Environment variables the search service reads. The search chart imports these names, so the manifests
 * and the service cannot drift apart.
 */
export const SEARCH_ENV = {
  host: 'SEARCH_HOST',
  port: 'SEARCH_PORT',
  dataDir: 'SEARCH_DATA_DIR',
  modelDir: 'SEARCH_MODEL_DIR',
  valkeyUrl: 'SEARCH_VALKEY_URL',
  valkeyPassword: 'SEARCH_VALKEY_PASSWORD',
} as const;

export const SEARCH_DEFAULT_PORT = 8080;
