// Health probes for the control plane's endpoints (/readyz, /healthz, etcd's /health).

import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest, type RequestOptions } from 'node:https';

/** TLS material for probing the apiserver as a client it trusts. */
export interface ProbeTls {
  caFile: string;
  certFile?: string;
  keyFile?: string;
}

export interface ProbeResult {
  ok: boolean;
  status: number | null;
  body: string;
  error?: string;
}

/**
 * GETs a URL once. With `tls` the server certificate is verified against the CA; with
 * `insecure` (only for loopback components that serve a self-signed certificate made in memory,
 * such as kube-scheduler's) it is not.
 */
export function probe(
  url: string,
  opts: { tls?: ProbeTls; insecure?: boolean; timeoutMs?: number } = {},
): Promise<ProbeResult> {
  const u = new URL(url);
  const timeoutMs = opts.timeoutMs ?? 3000;
  return new Promise((resolve) => {
    const options: RequestOptions = { method: 'GET', timeout: timeoutMs };
    if (u.protocol === 'https:') {
      if (opts.tls) {
        options.ca = readFileSync(opts.tls.caFile);
        if (opts.tls.certFile) options.cert = readFileSync(opts.tls.certFile);
        if (opts.tls.keyFile) options.key = readFileSync(opts.tls.keyFile);
      }
      options.rejectUnauthorized = opts.insecure !== true;
    }
    const req = (u.protocol === 'https:' ? httpsRequest : httpRequest)(u, options, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8').trim();
        const status = res.statusCode ?? null;
        resolve({ ok: status === 200, status, body });
      });
      res.on('error', (err: Error) => resolve({ ok: false, status: null, body: '', error: err.message }));
    });
    req.on('timeout', () => req.destroy(new Error(`timed out after ${timeoutMs} ms`)));
    req.on('error', (err: Error) => resolve({ ok: false, status: null, body: '', error: err.message }));
    req.end();
  });
}

/** A one-line description of a probe result, for status output and error messages. */
export function describeProbe(r: ProbeResult): string {
  if (r.ok) return 'ok';
  if (r.status !== null) return `HTTP ${r.status}${r.body ? `: ${r.body.split('\n').slice(-3).join(' | ')}` : ''}`;
  return r.error ?? 'no answer';
}
