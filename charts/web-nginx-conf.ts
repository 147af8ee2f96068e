import { mebibytesOf } from './lib/quantity.js';
import type { WebValues } from './values/schema.js';

/**
 * The CDN tiers the README promises ("The page cache"), as the Cache-Control header the page cache sends for a
 * stored response and the time it keeps one.
 */
export const CDN_TIERS = {
  static: { cacheControl: 'public, max-age=31536000, immutable', keep: '365d' },
  product: { cacheControl: 'public, max-age=3600', keep: '1h' },
  search: { cacheControl: 'public, max-age=300', keep: '5m' },
  private: { cacheControl: 'private, no-store' },
  /** Errors and every other status nobody should store: the CDN and browsers ask again. */
  error: { cacheControl: 'no-store' },
  /** Pages outside the tiers (home, categories): a CDN may keep them but must revalidate each time. */
  uncached: { cacheControl: 'no-cache' },
} as const;

/**
 * Statuses stored in the page cache for a tier's full time and sent with the tier's public header. 304 is what
 * nginx answers from a stored page to a conditional request, so it carries the stored page's header.
 */
export const STORED_STATUSES = [200, 301, 308] as const;
const PUBLIC_STATUSES = [...STORED_STATUSES, 304] as const;
/**
 * A 404 is kept a minute in the page cache (a crawler asking for missing pages does not reach the app each time,
 * and a product added later shows up within the minute) but never marked cacheable for anyone else.
 */
export const NOT_FOUND_KEEP = '1m';
/**
 * The app runs in the same pod: a healthy one accepts a loopback connection in microseconds, so a second means it
 * is hung with a full accept queue.
 */
export const APP_CONNECT_TIMEOUT_SECONDS = 1;
/**
 * How long a request for a page nobody has stored yet waits for another request already asking the app for it,
 * before asking the app itself. It adds to the page timeout for that visitor, so it stays short.
 */
export const CACHE_LOCK_TIMEOUT_SECONDS = 2;

/** Port nginx listens on inside the pod, and its health endpoint (answered by nginx itself). */
export const NGINX_PORT = 8080;
export const NGINX_HEALTH_PATH = '/nginx-health';
export const NGINX_CACHE_DIR = '/var/cache/nginx';
/**
 * nginx's stub_status, on a port that listens on the pod's loopback only: the exporter sidecar reads it, nothing
 * outside the pod can (nor does any NetworkPolicy open it).
 */
export const NGINX_STATUS_PORT = 8081;
export const NGINX_STATUS_PATH = '/stub_status';
/** Where nginx sends one syslog line per response for the page-cache counter (mtail, in the same pod). */
export const CACHE_LOG_PORT = 5514;
/** The syslog tag of those lines, and the word before the cache status in each: what the mtail program matches. */
export const CACHE_LOG_TAG = 'page_cache';

export interface NginxConfOptions {
  /**
   * Send a `cache=<$upstream_cache_status> status=<$status>` line per response over syslog (UDP) to
   * 127.0.0.1:CACHE_LOG_PORT, where the mtail sidecar counts them. Off without the sidecar: nothing would listen, and
   * nginx would log an error per request. @default false
   */
  readonly cacheLog?: boolean;
}

type CachedTier = 'static' | 'product' | 'search';

/** nginx wants sizes as "1024m"; values carry Kubernetes quantities. */
function nginxSize(quantity: string): string {
  return `${Math.max(1, Math.floor(mebibytesOf(quantity)))}m`;
}

/**
 * The Cache-Control header of one location, chosen per response: `$personal` is 1 for a response meant for one
 * visitor, `$is_public_status` 1 for a status that is stored.
 */
function cacheControlMap(variable: string, personal: string, publicValue: string): string {
  return `  map "$${personal}$is_public_status" $${variable} {
    volatile;
    01 "${publicValue}";
    00 "${CDN_TIERS.error.cacheControl}";
    default "${CDN_TIERS.private.cacheControl}";
  }`;
}

/**
 * The maps that decide, per response, whether it is personal and which header it gets. They read the app's
 * response headers and $status, so they are `volatile`: a value worked out before the app answered is never reused.
 */
function responseMaps(sessionCookie: string): string {
  return `  # A request with the session cookie is user-specific: never served from or stored in a cache.
  map $cookie_${sessionCookie} $has_session {
    default 1;
    "" 0;
  }
  # The app's word that a response is for one visitor: it sets a cookie, or says private or no-store.
  map $upstream_http_set_cookie $app_sets_cookie {
    volatile;
    default 1;
    "" 0;
  }
  map $upstream_http_cache_control $app_says_private {
    volatile;
    default 0;
    "~*(private|no-store)" 1;
  }
  map "$app_sets_cookie$app_says_private" $app_made_personal {
    volatile;
    default 1;
    00 0;
  }
  map "$has_session$app_made_personal" $is_personal {
    volatile;
    default 1;
    00 0;
  }
  map $status $is_public_status {
    volatile;
    default 0;
${PUBLIC_STATUSES.map((status) => `    ${status} 1;`).join('\n')}
  }
${cacheControlMap('static_cache_control', 'app_made_personal', CDN_TIERS.static.cacheControl)}
${cacheControlMap('product_cache_control', 'is_personal', CDN_TIERS.product.cacheControl)}
${cacheControlMap('search_cache_control', 'is_personal', CDN_TIERS.search.cacheControl)}
${cacheControlMap('uncached_cache_control', 'is_personal', CDN_TIERS.uncached.cacheControl)}`;
}

/**
 * The body of a cached tier's location. Static assets are shared by everyone, so the visitor's session cookie
 * does not apply to them; what the app says about the response (a cookie, private) still does.
 */
function cachedTierBody(tier: CachedTier): string {
  const personal = tier === 'static' ? '$app_made_personal' : '$is_personal';
  const bypass = tier === 'static' ? '' : '\n      proxy_cache_bypass $has_session;';
  return `      proxy_pass http://app;
      proxy_cache pages;
      proxy_cache_valid ${STORED_STATUSES.join(' ')} ${CDN_TIERS[tier].keep};
      proxy_cache_valid 404 ${NOT_FOUND_KEEP};
      # proxy_no_cache is checked once the app has answered, so it sees the app's headers (a bypass cannot).
      proxy_no_cache ${personal};${bypass}
      add_header Cache-Control $${tier}_cache_control always;
      add_header X-Cache-Status $upstream_cache_status always;`;
}

/** `^~` locations: a product or search URL is that page whatever it ends in, never a static asset. */
function prefixLocations(tier: 'product' | 'search', prefix: string): string {
  // "/search" serves "/search?q=…" and "/search/…", but not "/searchable".
  const base = prefix.replace(/\/+$/, '');
  const locations = prefix.endsWith('/') || tier === 'product' ? [`^~ ${prefix}`] : [`= ${base}`, `^~ ${base}/`];
  return locations
    .map(
      (location) => `
    location ${location} {
${cachedTierBody(tier)}
    }`,
    )
    .join('\n');
}

function privateLocations(cdn: WebValues['cdn']): string {
  const locations = [cdn.apiPathPrefix, ...cdn.privatePathPrefixes].map(
    (prefix) => `
    location ^~ ${prefix} {
      proxy_pass http://app;
      proxy_no_cache 1;
      proxy_cache_bypass 1;
      proxy_send_timeout ${cdn.privateTimeoutSeconds}s;
      proxy_read_timeout ${cdn.privateTimeoutSeconds}s;
      add_header Cache-Control "${CDN_TIERS.private.cacheControl}" always;
    }`,
  );
  return `
    # Not cached: API and user-specific content. No stored copy exists to fall back on and a request here may
    # legitimately be slow (a checkout), so the app gets the longer private timeout.${locations.join('')}`;
}

/** The part of nginx.conf every environment shares: process, logs, temp paths, timeouts, headers to the app. */
function httpPreamble(options: NginxConfOptions): string {
  // `nohostname`: the receiver is in the pod; the line needs no host. Only responses that went through the page
  // cache carry a cache status; the others log "cache=" and are not counted. The line ends in a newline: mtail
  // reads a datagram stream as text and counts a line only once its newline arrives.
  const cacheLog = options.cacheLog
    ? `
  log_format ${CACHE_LOG_TAG} 'cache=$upstream_cache_status status=$status\\n';
  access_log syslog:server=127.0.0.1:${CACHE_LOG_PORT},tag=${CACHE_LOG_TAG},nohostname,severity=info ${CACHE_LOG_TAG};`
    : '';
  return `# Generated by roleplane (charts/web-nginx-conf.ts); do not edit.
worker_processes auto;
pid /tmp/nginx.pid;
error_log /dev/stderr warn;

events {
  worker_connections 2048;
}

http {
  include /etc/nginx/mime.types;
  default_type application/octet-stream;
  log_format json escape=json '{"time":"$time_iso8601","remote":"$remote_addr","method":"$request_method","uri":"$request_uri",'
                              '"status":$status,"bytes":$body_bytes_sent,"durationS":$request_time,"cache":"$upstream_cache_status"}';
  access_log /dev/stdout json;${cacheLog}
  sendfile on;
  keepalive_timeout 65;
  server_tokens off;

  # The root filesystem is read-only: every temporary path points at the writable /tmp.
  client_body_temp_path /tmp/client_body;
  proxy_temp_path /tmp/proxy;
  fastcgi_temp_path /tmp/fastcgi;
  uwsgi_temp_path /tmp/uwsgi;
  scgi_temp_path /tmp/scgi;
`;
}

/** Timeouts and headers towards the app, and the app's own freshness headers hidden (one policy goes out). */
function proxySettings(cdn: WebValues['cdn']): string {
  return `  # A hung app costs a visitor at most the page timeout: then a stale copy, or a 504.
  proxy_connect_timeout ${APP_CONNECT_TIMEOUT_SECONDS}s;
  proxy_send_timeout ${cdn.pageTimeoutSeconds}s;
  proxy_read_timeout ${cdn.pageTimeoutSeconds}s;
  proxy_http_version 1.1;
  proxy_set_header Connection "";
  proxy_set_header Host $host;
  proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
  proxy_set_header X-Forwarded-Proto $http_x_forwarded_proto;
  # The app's own Cache-Control and Expires are replaced by the tier's, so the CDN sees exactly one policy.
  proxy_hide_header Cache-Control;
  proxy_hide_header Expires;`;
}

function upstreamAndListen(appPort: number): string {
  return `  upstream app {
    server 127.0.0.1:${appPort};
    keepalive 32;
  }

  # stub_status for the exporter sidecar: loopback only.
  server {
    listen 127.0.0.1:${NGINX_STATUS_PORT};
    access_log off;
    location = ${NGINX_STATUS_PATH} {
      stub_status;
    }
    location / {
      return 404;
    }
  }

  server {
    listen ${NGINX_PORT};
    listen [::]:${NGINX_PORT};

    location = ${NGINX_HEALTH_PATH} {
      access_log off;
      default_type text/plain;
      return 200 "ok\\n";
    }`;
}

/**
 * nginx.conf for the web pod: the page cache (`renderPageCacheConf`) where `pageCache` is on, else the
 * pass-through of dev (`renderPassThroughConf`).
 */
export function renderNginxConf(
  web: Pick<WebValues, 'appPort' | 'cdn' | 'pageCache'>,
  options: NginxConfOptions = {},
): string {
  return web.pageCache ? renderPageCacheConf(web, options) : renderPassThroughConf(web, options);
}

/**
 * Dev's nginx.conf: the same process, logs, timeouts and private-path timeouts as the page cache, but nothing is
 * stored. Every request reaches the app and every answer (errors included) goes out `Cache-Control: no-store`
 * whatever the app said, so neither a CDN nor a browser keeps a page a developer is changing.
 */
export function renderPassThroughConf(web: Pick<WebValues, 'appPort' | 'cdn'>, options: NginxConfOptions = {}): string {
  const { cdn } = web;
  const privateLocations = [cdn.apiPathPrefix, ...cdn.privatePathPrefixes].map(
    (prefix) => `
    location ^~ ${prefix} {
      proxy_pass http://app;
      proxy_send_timeout ${cdn.privateTimeoutSeconds}s;
      proxy_read_timeout ${cdn.privateTimeoutSeconds}s;
      add_header Cache-Control "${CDN_TIERS.error.cacheControl}" always;
    }`,
  );
  return `${httpPreamble(options)}
  # No page cache here (dev): nothing is stored, every request reaches the app.
${proxySettings(cdn)}

${upstreamAndListen(web.appPort)}

    # API and private paths keep the longer private timeout, as in prod.${privateLocations.join('')}

    location / {
      proxy_pass http://app;
      add_header Cache-Control "${CDN_TIERS.error.cacheControl}" always;
    }
  }
}
`;
}

/**
 * nginx.conf for the page cache in front of the web app. Tiers: static assets one year (immutable), product
 * pages one hour, search pages five minutes, API and user-specific content (private paths, or any request with
 * the session cookie) never cached. The tiers decide how long a page is kept, whatever the app's Cache-Control or
 * Expires say about freshness (a framework's default `no-cache` must not turn the cache, and with it the
 * "search down → cached pages" protection, off). A response that sets a cookie or that the app marks `private` or
 * `no-store` is never stored and goes out `private, no-store`; errors go out `no-store`. A hung app costs a
 * visitor at most `pageTimeoutSeconds` before a stale copy or a 504.
 */
export function renderPageCacheConf(web: Pick<WebValues, 'appPort' | 'cdn'>, options: NginxConfOptions = {}): string {
  const { cdn } = web;
  const lockTimeoutSeconds = Math.min(CACHE_LOCK_TIMEOUT_SECONDS, cdn.pageTimeoutSeconds);

  return `${httpPreamble(options)}
  proxy_cache_path ${NGINX_CACHE_DIR}/pages levels=1:2 keys_zone=pages:32m max_size=${nginxSize(cdn.cacheSize)} inactive=1d use_temp_path=off;
  proxy_cache_key "$scheme$host$request_uri";
  proxy_cache_lock on;
  proxy_cache_lock_timeout ${lockTimeoutSeconds}s;
  # An expired page is answered at once from the cache while one background request refreshes it; when the app
  # fails, hangs or is down, the stored copy keeps being served.
  proxy_cache_background_update on;
  proxy_cache_use_stale error timeout updating http_500 http_502 http_503 http_504;
  # The tiers decide how long a page is kept: the app's freshness headers (no-cache, max-age=0, Expires) do not.
  # Set-Cookie is not ignored, and private/no-store are checked per location (proxy_no_cache).
  proxy_ignore_headers Cache-Control Expires;
${proxySettings(cdn)}

${responseMaps(cdn.sessionCookie)}

${upstreamAndListen(web.appPort)}
${privateLocations(cdn)}
${prefixLocations('product', cdn.productPathPrefix)}
${prefixLocations('search', cdn.searchPathPrefix)}

    # Static assets elsewhere: one year, immutable (their URLs carry a content hash).
    location ~* ${cdn.staticPathPattern} {
${cachedTierBody('static')}
    }

    # Everything else (home, category pages, ...) is revalidated on every request.
    location / {
      proxy_pass http://app;
      add_header Cache-Control $uncached_cache_control always;
    }
  }
}
`;
}
