import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { importsOf, packagesOf, REPO_ROOT, reachableFiles } from './helpers/import-graph.js';

/** Folders of development tooling: never loaded by what runs in a pod, never copied into the image. */
const TOOLING = ['tools/', 'test/', 'bench/'];
/** The manifests' code (`roleplane synth`): run from a checkout, not in the image. */
const SYNTH = ['charts/', 'imports/', 'cli/synth.ts'];

/** The sources the Dockerfile copies into the runtime image (`COPY <source> <dest>`, npm files aside). */
function imageSources(): string[] {
  const dockerfile = readFileSync(join(REPO_ROOT, 'Dockerfile'), 'utf8');
  return [...dockerfile.matchAll(/^COPY\s+(?!--)(.+)\s+\S+\s*$/gm)].flatMap((match) =>
    (match[1] as string).split(/\s+/),
  );
}

describe('the repository layout', () => {
  // What the image runs: the CLI, and through it the operator and the search service, index build and filters.
  const runtime = reachableFiles(['bin/roleplane.js']);

  it('reaches the operator and every search stage from the CLI', () => {
    for (const file of [
      'operator/main.ts',
      'workloads/search/service/main.ts',
      'workloads/search/index/build/index-command.ts',
      'workloads/search/query/filters-command.ts',
    ]) {
      assert.ok(runtime.has(file), `${file} is not reached from bin/roleplane.js`);
    }
  });

  it('runs no tooling: nothing the image runs imports the local cluster, a generator, a test or a bench', () => {
    const offending = [...runtime].filter((file) => TOOLING.some((folder) => file.startsWith(folder)));
    assert.deepEqual(offending, []);
  });

  it('loads the local cluster only behind the CLI guard that says it is not installed', () => {
    const cliImports = importsOf('cli/main.ts').filter((edge) => edge.to.startsWith('tools/'));
    assert.ok(cliImports.length > 0, 'the cluster commands import tools/cluster');
    for (const edge of cliImports) assert.ok(edge.isOptional, `cli/main.ts imports ${edge.to} outside component()`);
  });

  it('copies into the image everything that runs, and no tooling', () => {
    const sources = imageSources();
    const isCopied = (file: string): boolean =>
      sources.some((source) => file === source || file.startsWith(`${source.replace(/\/$/, '')}/`));
    assert.deepEqual(
      [...runtime].filter((file) => !isCopied(file)),
      [],
      'run but not copied',
    );
    assert.deepEqual(
      sources.filter((source) => TOOLING.some((folder) => `${source}/`.startsWith(folder))),
      [],
      'tooling copied into the image',
    );
  });

  it('leaves synth out of the image: the CLI loads it only behind the guard, and charts/ and imports/ are not copied', () => {
    assert.deepEqual(
      [...runtime].filter((file) => SYNTH.some((part) => file.startsWith(part))),
      [],
      'synth code reached outside the guard',
    );
    const synthImports = importsOf('cli/main.ts').filter((edge) => SYNTH.some((part) => edge.to.startsWith(part)));
    assert.ok(synthImports.length > 0, 'the synth command imports cli/synth.ts');
    for (const edge of synthImports) assert.ok(edge.isOptional, `cli/main.ts imports ${edge.to} outside component()`);
    const copied = imageSources().filter((source) => SYNTH.some((part) => `${source}/`.startsWith(part)));
    assert.deepEqual(copied, [], 'synth copied into the image');
  });

  it('declares as dependencies exactly the packages the image runs; everything else is a devDependency', () => {
    // The image installs with `npm ci --omit=dev`: a package the runtime loads must be a dependency, and a
    // dependency nothing in the image loads (cdk8s, say) only makes the image bigger.
    const manifest = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    assert.deepEqual([...packagesOf(runtime)].sort(), Object.keys(manifest.dependencies).sort());
  });
});
