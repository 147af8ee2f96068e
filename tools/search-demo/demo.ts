/**
 * `npm run demo:search`: generate the 65,536-product demo catalog (fixed seed), index it with the built-in tiny
 * model, and serve it on http://127.0.0.1:8080. The service's own variables apply (SEARCH_PORT, SEARCH_HOST, …:
 * workloads/search/service/config.ts); files go to ~/.cache/roleplane/demo, or $ROLEPLANE_DEMO_DIR. Nothing is
 * downloaded.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import { DEMO_PRODUCT_COUNT, writeDemoCatalog } from './write-demo-catalog.js';
import { runIndexCommand } from '../../workloads/search/index/build/index-command.js';
import { SEARCH_ENV, type SearchFlags } from '../../workloads/search/service/config.js';
import { runSearchServe } from '../../workloads/search/service/main.js';

const dir =
  process.env.ROLEPLANE_DEMO_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'roleplane', 'demo');

const catalogStarted = Date.now();
const catalog = await writeDemoCatalog({ outDir: join(dir, 'catalog'), count: DEMO_PRODUCT_COUNT });
process.stderr.write(
  `demo: ${catalog.count} products in ${catalog.catalogPath} (${((Date.now() - catalogStarted) / 1000).toFixed(1)} s)\n`,
);

const indexed = await runIndexCommand({
  catalog: catalog.catalogPath,
  rules: catalog.rulesPath,
  out: join(dir, 'index'),
});
process.stderr.write(indexed.stderr);
process.stderr.write(indexed.stdout);
if (indexed.exitCode !== 0) process.exit(indexed.exitCode);

// A demo listens on loopback unless told otherwise; the service's default (0.0.0.0) is for pods.
const flags: SearchFlags = { dataDir: join(dir, 'index') };
if (!process.env[SEARCH_ENV.host]) flags.host = '127.0.0.1';
process.exitCode = await runSearchServe(flags, {
  onListening: (address) =>
    process.stderr.write(
      `demo: serving on ${address} (${SEARCH_ENV.port} to change) — try: curl '${address}/search?q=red+running+shoes+under+%2480'\n`,
    ),
});
