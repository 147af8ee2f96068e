/**
 * The "waking up" page: plain HTML that reloads itself with a meta refresh (no JavaScript), so the site appears by
 * itself once its pods are ready and the ingress stops sending requests here.
 */

/** Seconds between reloads; also sent as Retry-After. */
export const REFRESH_SECONDS = 5;

const escape = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

export interface PageContent {
  readonly title: string;
  /** Sentences, each a paragraph. */
  readonly lines: readonly string[];
  /** Whether the page reloads itself (not for a host the waker does not know). */
  readonly refresh: boolean;
}

export function renderPage(content: PageContent): string {
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="robots" content="noindex, nofollow">',
    ...(content.refresh ? [`<meta http-equiv="refresh" content="${REFRESH_SECONDS}">`] : []),
    `<title>${escape(content.title)}</title>`,
    '<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;color:#222}h1{font-size:1.5rem}</style>',
    '</head>',
    '<body>',
    '<main>',
    `<h1>${escape(content.title)}</h1>`,
    ...content.lines.map((line) => `<p>${escape(line)}</p>`),
    '</main>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
