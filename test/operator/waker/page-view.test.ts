import { strict as assert } from 'node:assert';
import { pageViewVerdict } from '../../../operator/waker/page-view.js';

const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0';
const NAVIGATION = { accept: 'text/html,application/xhtml+xml,*/*;q=0.8', 'user-agent': FIREFOX };

describe('pageViewVerdict', () => {
  it('counts a browser opening a page', () => {
    assert.deepEqual(pageViewVerdict({ method: 'GET', headers: NAVIGATION }), { isPageView: true });
    assert.deepEqual(
      pageViewVerdict({
        method: 'GET',
        headers: { ...NAVIGATION, 'sec-fetch-dest': 'document', 'sec-fetch-mode': 'navigate' },
      }),
      { isPageView: true },
    );
  });

  const cases: Array<[string, string, Record<string, string>, RegExp]> = [
    ['HEAD', 'HEAD', NAVIGATION, /HEAD is not a page view/],
    ['a form POST', 'POST', NAVIGATION, /POST is not a page view/],
    ['a load balancer check', 'GET', { ...NAVIGATION, 'user-agent': 'ELB-HealthChecker/2.0' }, /health checker/],
    ['the kubelet', 'GET', { ...NAVIGATION, 'user-agent': 'kube-probe/1.37' }, /health checker/],
    [
      'an uptime monitor',
      'GET',
      { ...NAVIGATION, 'user-agent': 'Mozilla/5.0+(compatible; UptimeRobot/2.0)' },
      /health checker/,
    ],
    [
      'Googlebot',
      'GET',
      { ...NAVIGATION, 'user-agent': 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)' },
      /crawler/,
    ],
    [
      'a Slack link preview',
      'GET',
      { ...NAVIGATION, 'user-agent': 'Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)' },
      /crawler/,
    ],
    ['an image', 'GET', { ...NAVIGATION, 'sec-fetch-dest': 'image' }, /a image request/],
    ['a prefetch', 'GET', { ...NAVIGATION, 'sec-purpose': 'prefetch' }, /prefetch/],
    ['curl', 'GET', { accept: '*/*', 'user-agent': 'curl/8.5.0' }, /does not accept text\/html/],
    ['no User-Agent', 'GET', { accept: 'text/html' }, /no User-Agent/],
  ];
  for (const [name, method, headers, why] of cases) {
    it(`does not count ${name}`, () => {
      const verdict = pageViewVerdict({ method, headers });
      assert.equal(verdict.isPageView, false);
      assert.match(verdict.isPageView ? '' : verdict.why, why);
    });
  }
});
