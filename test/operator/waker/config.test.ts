import { strict as assert } from 'node:assert';
import { WAKER_DEFAULTS, wakerSettings } from '../../../operator/waker/config.js';

describe('wakerSettings', () => {
  it('reads hosts and the period from the environment, flags winning, with the defaults', () => {
    const s = wakerSettings(
      { burst: 2 },
      { WAKER_HOSTS: 'Dev.Shop.Example.com=dev, staging.shop.example.com=staging', WAKER_BURST: '9' },
    );
    assert.deepEqual(
      [...s.hosts],
      [
        ['dev.shop.example.com', 'dev'],
        ['staging.shop.example.com', 'staging'],
      ],
    );
    assert.equal(s.awakeForMs, 2 * 3_600_000);
    assert.equal(s.burst, 2);
    assert.equal(s.perNamespaceMs, WAKER_DEFAULTS.perNamespaceSeconds * 1000);
    assert.equal(wakerSettings({ hosts: 'a.example.com=a', awakeFor: '90m' }, {}).awakeForMs, 90 * 60_000);
  });

  const bad: Array<[string, Parameters<typeof wakerSettings>[0], Record<string, string>, RegExp]> = [
    ['no hosts', {}, {}, /^no hosts: set --hosts or WAKER_HOSTS/],
    ['a pair without =', { hosts: 'a.example.com' }, {}, /^--hosts: "a.example.com" is not host=namespace$/],
    ['a bad namespace', {}, { WAKER_HOSTS: 'a.example.com=Dev_1' }, /^WAKER_HOSTS: "Dev_1" is not a namespace name$/],
    ['a host twice', { hosts: 'a.example.com=a,A.example.com=b' }, {}, /listed twice/],
    [
      'a bad period',
      { hosts: 'a.example.com=a' },
      { WAKER_AWAKE_FOR: 'two hours' },
      /^WAKER_AWAKE_FOR: invalid duration "two hours"/,
    ],
    ['a period under a minute', { hosts: 'a.example.com=a', awakeFor: '30s' }, {}, /^--awake-for: must be at least 1m/],
    [
      'a zero rate',
      { hosts: 'a.example.com=a' },
      { WAKER_PER_MINUTE: '0' },
      /^WAKER_PER_MINUTE: must be a whole number >= 1 \(got "0"\)$/,
    ],
  ];
  for (const [name, flags, env, message] of bad) {
    it(`refuses ${name}, naming the setting`, () => {
      assert.throws(
        () => wakerSettings(flags, env),
        (err: Error) => {
          assert.match(err.message, message);
          return true;
        },
      );
    });
  }
});
