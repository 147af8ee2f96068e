/**
 * `npm run demo:search`: generate the 65,536-product demo catalog (fixed seed), index it with the built-in tiny
 * model, and serve it on http://127.0.0.1:8080 (PORT to change). Files go to ~/.cache/roleplane/demo (or
 * $ROLEPLANE_DEMO_DIR); nothing is downloaded.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import { DEMO_PRODUCT_COUNT, writeDemoCatalog } from './catalog/write-demo-catalog.js';
import { runIndexCommand } from './index/build-index.js';
import { runSearchServe } from './main.js';

const dir =
  process.env.ROLEPLANE_DEMO_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'roleplane', 'demo');
const port = Number(process.env.PORT ?? 8080);

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

process.stderr.write(
  `demo: serving on http://127.0.0.1:${port} — try: curl 'http://127.0.0.1:${port}/search?q=red+running+shoes+under+%2480'\n`,
);
process.exitCode = await runSearchServe({ data: join(dir, 'index'), port, host: '127.0.0.1' });
