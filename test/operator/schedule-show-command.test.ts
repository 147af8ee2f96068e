import { strict as assert } from 'node:assert';
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { CRD_MISSING_MESSAGE, NO_SCHEDULES_MESSAGE, runScheduleShow } from '../../operator/schedule-show-command.js';
import { useTempDir } from '../helpers/temp-dir.js';

/** An API server stand-in on loopback: answers the PowerSchedule list and the namespace list with what a test sets. */
async function fakeApiServer(answer: {
  schedules: { status: number; body: unknown };
  namespaces: { status: number; body: unknown };
}): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const reply = req.url?.startsWith('/apis/roleplane.io/v1alpha1/powerschedules')
      ? answer.schedules
      : req.url?.startsWith('/api/v1/namespaces')
        ? answer.namespaces
        : { status: 404, body: { kind: 'Status', message: 'not found' } };
    res.writeHead(reply.status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(reply.body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

function kubeconfigFor(dir: string, url: string): string {
  const file = join(dir, 'kubeconfig');
  writeFileSync(
    file,
    [
      'apiVersion: v1',
      'kind: Config',
      `clusters: [{ name: fake, cluster: { server: "${url}", insecure-skip-tls-verify: true } }]`,
      'users: [{ name: fake, user: { token: t } }]',
      'contexts: [{ name: fake, context: { cluster: fake, user: fake } }]',
      'current-context: fake',
    ].join('\n'),
  );
  return file;
}

const notFound = {
  status: 404,
  body: { kind: 'Status', code: 404, message: 'the server could not find the requested resource' },
};

describe('runScheduleShow', () => {
  const tempDir = useTempDir('schedule-show');
  let server: Server | undefined;
  afterEach(async () => {
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
    server = undefined;
  });

  async function show(answer: Parameters<typeof fakeApiServer>[0], output = 'text') {
    const fake = await fakeApiServer(answer);
    server = fake.server;
    return runScheduleShow({
      kubeconfig: kubeconfigFor(tempDir(), fake.url),
      output,
      now: new Date('2026-03-25T12:00:00Z'),
    });
  }

  it('says the CRD is not installed when the API server does not know PowerSchedules', async () => {
    await assert.rejects(
      show({ schedules: notFound, namespaces: { status: 200, body: { items: [] } } }),
      new RegExp(`^Error: ${CRD_MISSING_MESSAGE}$`),
    );
  });

  it('says there are no PowerSchedules when the list is empty', async () => {
    const result = await show({
      schedules: { status: 200, body: { items: [] } },
      namespaces: { status: 200, body: { items: [] } },
    });
    assert.deepEqual(result, { stdout: '', stderr: `${NO_SCHEDULES_MESSAGE}\n`, exitCode: 0 });
  });

  it('shows the listed schedules and says so when namespaces cannot be read for overrides', async () => {
    const schedule = {
      apiVersion: 'roleplane.io/v1alpha1',
      kind: 'PowerSchedule',
      metadata: { name: 'office-hours' },
      spec: { timeZone: 'Europe/Berlin', uptime: 'Mon-Fri 07:00-20:00' },
    };
    const result = await show({
      schedules: { status: 200, body: { items: [schedule] } },
      namespaces: { status: 403, body: { kind: 'Status', code: 403, message: 'namespaces is forbidden' } },
    });
    assert.equal(result.exitCode, 0);
    assert.match(result.stdout, /^office-hours {2}\(Europe\/Berlin; uptime "Mon-Fri 07:00-20:00"\)\n/);
    assert.match(result.stdout, /\n {2}Wed 03-25 {2}·······█████████████···· {2}◂ now 13:00\n/);
    assert.match(result.stderr, /^overrides not shown: list namespaces: HTTP 403: namespaces is forbidden\n$/);
  });

  it('refuses an unknown --output before reaching the cluster', async () => {
    assert.deepEqual(await runScheduleShow({ output: 'yaml' }), {
      stdout: '',
      stderr: '--output: expected text or json (got "yaml")\n',
      exitCode: 2,
    });
  });
});
