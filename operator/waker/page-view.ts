/**
 * Which requests count as a person opening a page: only those may wake a namespace. Everything else that reaches
 * the waker (load balancer and uptime checks, crawlers, link previews, prefetches, assets, API calls, HEAD) gets the
 * page too but wakes nothing, so a monitor polling a sleeping site does not keep it awake all night. Pure.
 */

export interface RequestFacts {
  readonly method: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
}

export type PageViewVerdict = { readonly isPageView: true } | { readonly isPageView: false; readonly why: string };

/**
 * Crawlers, link unfurlers and headless renderers (by the names they send), and health and uptime checkers. Matched
 * anywhere in the User-Agent, case-insensitively; `bot`, `crawl`, `spider` catch most of the long tail.
 */
const AUTOMATED_AGENTS =
  /bot\b|bot\/|crawl|spider|slurp|facebookexternalhit|facebookcatalog|embedly|skypeuripreview|whatsapp|bingpreview|headlesschrome|lighthouse|pagespeed|google-inspectiontool|google-read-aloud|feedfetcher|kube-probe|elb-healthchecker|googlehc|health.?check|uptime|pingdom|statuscake|site24x7|newrelicpinger|datadog|blackbox|nagios|zabbix|check_http|monitor/i;

const header = (facts: RequestFacts, name: string): string | undefined => {
  const value = facts.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
};

export function pageViewVerdict(facts: RequestFacts): PageViewVerdict {
  if (facts.method !== 'GET') return { isPageView: false, why: `${facts.method} is not a page view` };
  const agent = header(facts, 'user-agent') ?? '';
  if (agent.trim() === '') return { isPageView: false, why: 'no User-Agent' };
  if (AUTOMATED_AGENTS.test(agent)) return { isPageView: false, why: 'a crawler, preview or health checker' };
  const purpose = header(facts, 'sec-purpose') ?? header(facts, 'purpose') ?? '';
  if (/prefetch|prerender/i.test(purpose)) return { isPageView: false, why: 'a prefetch' };
  const dest = header(facts, 'sec-fetch-dest');
  if (dest !== undefined && dest !== 'document') return { isPageView: false, why: `a ${dest} request, not a document` };
  // Browsers ask for text/html when they open a page; checkers and scripts send */* or nothing.
  if (!/text\/html/i.test(header(facts, 'accept') ?? ''))
    return { isPageView: false, why: 'does not accept text/html' };
  return { isPageView: true };
}
