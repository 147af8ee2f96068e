import { fileURLToPath } from 'node:url';

/**
 * The project's own embedding model, committed in ./tiny (about 1 MB: hashed word-piece vectors, not a language
 * model) so tests, the demo and `roleplane search index` work with nothing downloaded. It is the default model of
 * the index build and of the service. Its generator lives outside the runtime code, in tools/tiny-model/.
 */
export const TINY_MODEL_DIR = fileURLToPath(new URL('./tiny', import.meta.url));
