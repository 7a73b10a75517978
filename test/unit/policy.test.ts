import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildCustomPolicy, cannedPolicy, ipInCidr, parseCidr, parsePolicy, resourceMatches, streamNameMatches } from '../../server/signing/policy.ts';

describe('resourceMatches', () => {
  // [resource, request URL, expected]
  const rows: Array<[string, string, boolean]> = [
    // exact URLs
    ['https://h/live/a/x.ts', 'https://h/live/a/x.ts', true],
    ['https://h/live/a/x.ts', 'https://h/live/a/y.ts', false],
    ['https://h/live/a/x.ts', 'https://h/live/a/x.ts?q=1', false],
    ['https://h/live/a/x.ts', 'http://h/live/a/x.ts', false],
    ['https://h/live/a/x.ts', 'https://h/live/a/x.tsx', false],
    // folder wildcard: below the folder, any depth, any query; not the folder itself, a sibling or http
    ['https://h/live/a/*', 'https://h/live/a/x/y.ts', true],
    ['https://h/live/a/*', 'https://h/live/a/x.ts?q=1', true],
    ['https://h/live/a/*', 'https://h/live/a/', true],
    ['https://h/live/a/*', 'https://h/live/a', false],
    ['https://h/live/a/*', 'https://h/live/ab/x', false],
    ['https://h/live/a/*', 'http://h/live/a/x', false],
    ['https://h/live/a/*', 'https://other/live/a/x', false],
    ['https://h/live/a/*', 'https://h/vod/live/a/x', false],
    // the dot is literal, not a regex wildcard
    ['https://h/live/a.b/*', 'https://h/live/aXb/x', false],
    // path is case-sensitive
    ['https://h/live/a/*', 'https://h/Live/a/x', false],
    // ? is one character in the path when the query separator is written \?
    ['https://h/seg?.ts\\?*', 'https://h/seg1.ts?a=b', true],
    ['https://h/seg?.ts\\?*', 'https://h/seg12.ts?a=b', false],
    ['https://h/seg?.ts\\?*', 'https://h/seg.ts?a=b', false],
    // a path * stays in the path when a query section is given
    ['https://h/a*\\?x=1', 'https://h/a/b?x=1', true],
    ['https://h/a*\\?x=1', 'https://h/a/b?x=2', false],
    ['https://h/a*\\?x=1', 'https://h/a/b?x=1&y=2', false],
    ['https://h/a*\\?x=1', 'https://h/a/b', false],
    // a non-trailing path * does not reach into the query either
    ['https://h/a/*.ts', 'https://h/a/x.ts', true],
    ['https://h/a/*.ts', 'https://h/a/x.ts?y=.ts', false],
    // query wildcards
    ['https://h/a/x.ts\\?token=*', 'https://h/a/x.ts?token=abc', true],
    ['https://h/a/x.ts\\?token=*', 'https://h/a/x.ts?other=abc', false],
    // trailing * on the domain: any path and query
    ['https://h*', 'https://h/any/path.ts?q=1', true],
    ['https://h*', 'https://h', true],
    ['https://h*', 'https://hx.example.com/p', true],
    ['https://h*', 'http://h/p', false],
    // '*' alone: everything
    ['*', 'https://h/x', true],
    ['*', 'http://anything.example/a/b?c=d', true],
    // leading * (no protocol): http and https
    ['*h/live/*', 'https://h/live/x.ts', true],
    ['*h/live/*', 'http://h/live/x.ts', true],
    ['*h/live/*', 'https://h/vod/x.ts', false],
    ['*://h/live/*', 'http://h/live/x.ts', true],
    ['http*://h/live/*', 'https://h/live/x.ts', true],
    ['http*://h/live/*', 'http://h/live/x.ts', true],
    // no protocol and no leading *: matches nothing
    ['h/live/*', 'https://h/live/x.ts', false],
    // domain wildcards
    ['https://*.example.com/*', 'https://cdn.example.com/x', true],
    ['https://*.example.com/*', 'https://a.b.example.com/x', true],
    ['https://*.example.com/*', 'https://example.org/x', false],
    ['https://*.example.com/*', 'https://example.com/x', false],
    ['https://*.example.com/*', 'https://evil.test/.example.com/x', false],
    ['https://d?.example.com/*', 'https://d1.example.com/x', true],
    ['https://d?.example.com/*', 'https://d12.example.com/x', false],
    // domain and protocol are case-insensitive
    ['https://H.Example.COM/live/*', 'https://h.example.com/live/x', true],
    ['https://h.example.com/live/*', 'https://H.EXAMPLE.com/live/x', true],
    ['HTTPS://h/live/*', 'https://h/live/x', true],
    // a resource without a path: only the bare origin
    ['https://h', 'https://h', true],
    ['https://h', 'https://h/', true],
    ['https://h', 'https://h/x', false],
    ['https://h', 'https://h/?q=1', false],
    ['https://h', 'https://hh', false],
    // a port is part of the domain
    ['http://localhost:8080/live/*', 'http://localhost:8080/live/x', true],
    ['http://localhost:8080/live/*', 'http://localhost:9090/live/x', false],
  ];
  assert.ok(rows.length >= 25);
  for (const [resource, url, expected] of rows) {
    test(`${resource}  vs  ${url}  → ${expected}`, () => {
      assert.equal(resourceMatches(resource, url), expected);
    });
  }

  test('a request URL that is not absolute never matches a non-* resource', () => {
    assert.equal(resourceMatches('https://h/*', '/live/a/x.ts'), false);
    assert.equal(resourceMatches('*h/*', 'h/live'), false);
  });
});

describe('ipInCidr and parseCidr', () => {
  const rows: Array<[string, string, boolean]> = [
    ['203.0.113.7', '203.0.113.7/32', true],
    ['203.0.113.8', '203.0.113.7/32', false],
    ['203.0.113.7', '203.0.113.7', true], // a bare address is a /32
    ['203.0.113.0', '203.0.113.0/24', true],
    ['203.0.113.255', '203.0.113.0/24', true],
    ['203.0.114.1', '203.0.113.0/24', false],
    ['203.0.113.200', '203.0.113.77/24', true], // host bits in the CIDR are ignored
    ['10.1.2.3', '10.0.0.0/8', true],
    ['11.1.2.3', '10.0.0.0/8', false],
    ['192.168.0.1', '0.0.0.0/0', true],
    ['255.255.255.255', '0.0.0.0/0', true],
    ['0.0.0.0', '0.0.0.0/0', true],
    ['128.0.0.1', '0.0.0.0/1', false],
    ['127.255.255.255', '0.0.0.0/1', true],
    // IPv6 viewers never match, not even /0
    ['2001:db8::1', '0.0.0.0/0', false],
    ['::1', '0.0.0.0/0', false],
    ['2001:db8::1', '2001:db8::/32', false],
    // IPv4-mapped IPv6 is the IPv4 viewer
    ['::ffff:203.0.113.7', '203.0.113.7/32', true],
    ['::FFFF:203.0.113.7', '203.0.113.0/24', true],
    ['::ffff:203.0.113.8', '203.0.113.7/32', false],
    // invalid CIDRs and addresses match nothing
    ['203.0.113.7', '203.0.113.7/33', false],
    ['203.0.113.7', '203.0.113.256/32', false],
    ['203.0.113.7', '203.0.113/24', false],
    ['203.0.113.7', 'not-a-cidr', false],
    ['203.0.113.7', '', false],
    ['203.0.113.0/24', '203.0.113.0/24', false], // the viewer is one address, not a range
    ['999.0.113.7', '0.0.0.0/0', false],
    ['', '0.0.0.0/0', false],
  ];
  for (const [ip, cidr, expected] of rows) {
    test(`${JSON.stringify(ip)} in ${JSON.stringify(cidr)} → ${expected}`, () => {
      assert.equal(ipInCidr(ip, cidr), expected);
    });
  }

  test('parseCidr returns the masked network and mask', () => {
    assert.deepEqual(parseCidr('203.0.113.77/24'), { network: 0xcb007100, mask: 0xffffff00 });
    assert.deepEqual(parseCidr('203.0.113.7'), { network: 0xcb007107, mask: 0xffffffff });
    assert.deepEqual(parseCidr('1.2.3.4/0'), { network: 0, mask: 0 });
    assert.equal(parseCidr('1.2.3.4/33'), undefined);
    assert.equal(parseCidr('1.2.3.4/'), undefined);
    assert.equal(parseCidr(' 1.2.3.4'), undefined);
  });
});

describe('parsePolicy', () => {
  const T = 1_800_000_000;
  const policy = (statement: unknown): string => JSON.stringify({ Statement: statement });
  const st = (condition: unknown, extra: Record<string, unknown> = { Resource: 'https://h/live/a/*' }): Record<string, unknown> => ({ ...extra, Condition: condition });

  test('Statement as an array', () => {
    assert.deepEqual(parsePolicy(policy([st({ DateLessThan: { 'AWS:EpochTime': T } })])), {
      resource: 'https://h/live/a/*',
      dateLessThan: T,
      dateGreaterThan: undefined,
      sourceIp: undefined,
    });
  });

  test('Statement as an object (older docs)', () => {
    assert.deepEqual(parsePolicy(policy(st({ DateLessThan: { 'AWS:EpochTime': T } }))), {
      resource: 'https://h/live/a/*',
      dateLessThan: T,
      dateGreaterThan: undefined,
      sourceIp: undefined,
    });
  });

  test('all conditions', () => {
    const json = policy([st({ DateLessThan: { 'AWS:EpochTime': T }, DateGreaterThan: { 'AWS:EpochTime': T - 60 }, IpAddress: { 'AWS:SourceIp': '203.0.113.0/24' } })]);
    assert.deepEqual(parsePolicy(json), { resource: 'https://h/live/a/*', dateLessThan: T, dateGreaterThan: T - 60, sourceIp: '203.0.113.0/24' });
  });

  test('what the signer builds parses back to the same conditions', () => {
    const json = buildCustomPolicy({ resource: 'https://h/x/*', dateLessThan: T, dateGreaterThan: T - 5, sourceIp: '203.0.113.7/32' });
    assert.deepEqual(parsePolicy(json), { resource: 'https://h/x/*', dateLessThan: T, dateGreaterThan: T - 5, sourceIp: '203.0.113.7/32' });
  });

  test('missing Resource → resource undefined (policy still valid)', () => {
    assert.deepEqual(parsePolicy(policy([st({ DateLessThan: { 'AWS:EpochTime': T } }, {})])), {
      resource: undefined,
      dateLessThan: T,
      dateGreaterThan: undefined,
      sourceIp: undefined,
    });
  });

  const malformed: Array<[string, string]> = [
    ['not JSON', '{"Statement":'],
    ['empty string', ''],
    ['JSON null', 'null'],
    ['no Statement', '{}'],
    ['empty Statement array', policy([])],
    ['Statement is a string', policy('x')],
    ['two statements', policy([st({ DateLessThan: { 'AWS:EpochTime': T } }), st({ DateLessThan: { 'AWS:EpochTime': T } })])],
    ['no Condition', policy([{ Resource: 'https://h/*' }])],
    ['missing DateLessThan', policy([st({ DateGreaterThan: { 'AWS:EpochTime': T } })])],
    ['DateLessThan without AWS:EpochTime', policy([st({ DateLessThan: { EpochTime: T } })])],
    ['string epoch', policy([st({ DateLessThan: { 'AWS:EpochTime': String(T) } })])],
    ['float epoch', policy([st({ DateLessThan: { 'AWS:EpochTime': T + 0.5 } })])],
    ['milliseconds', policy([st({ DateLessThan: { 'AWS:EpochTime': T * 1000 } })])],
    ['just above 1e11', policy([st({ DateLessThan: { 'AWS:EpochTime': 1e11 } })])],
    ['negative epoch', policy([st({ DateLessThan: { 'AWS:EpochTime': -1 } })])],
    ['DateGreaterThan in milliseconds', policy([st({ DateLessThan: { 'AWS:EpochTime': T }, DateGreaterThan: { 'AWS:EpochTime': T * 1000 } })])],
    ['DateGreaterThan as a string', policy([st({ DateLessThan: { 'AWS:EpochTime': T }, DateGreaterThan: { 'AWS:EpochTime': 'soon' } })])],
    ['IpAddress not a CIDR', policy([st({ DateLessThan: { 'AWS:EpochTime': T }, IpAddress: { 'AWS:SourceIp': 'everyone' } })])],
    ['IpAddress /33', policy([st({ DateLessThan: { 'AWS:EpochTime': T }, IpAddress: { 'AWS:SourceIp': '203.0.113.7/33' } })])],
    ['IpAddress IPv6', policy([st({ DateLessThan: { 'AWS:EpochTime': T }, IpAddress: { 'AWS:SourceIp': '2001:db8::/32' } })])],
    ['IpAddress a number', policy([st({ DateLessThan: { 'AWS:EpochTime': T }, IpAddress: { 'AWS:SourceIp': 3405803783 } })])],
    ['Resource a number', policy([st({ DateLessThan: { 'AWS:EpochTime': T } }, { Resource: 42 })])],
    ['Resource an array', policy([st({ DateLessThan: { 'AWS:EpochTime': T } }, { Resource: ['https://h/*'] })])],
    ['Resource null', policy([st({ DateLessThan: { 'AWS:EpochTime': T } }, { Resource: null })])],
  ];
  for (const [name, json] of malformed) {
    test(`malformed: ${name} → undefined`, () => {
      assert.equal(parsePolicy(json), undefined);
    });
  }

  test('epoch boundaries: 0 and 1e11 - 1 are seconds', () => {
    assert.equal(parsePolicy(policy([st({ DateLessThan: { 'AWS:EpochTime': 0 } })]))?.dateLessThan, 0);
    assert.equal(parsePolicy(policy([st({ DateLessThan: { 'AWS:EpochTime': 1e11 - 1 } })]))?.dateLessThan, 1e11 - 1);
  });

  // Attacker-controlled JSON (the Policy is parsed before the signature is checked): odd shapes must be
  // "malformed", never an exception.
  const hostile: Array<[string, string]> = [
    ['a null statement', '{"Statement":[null]}'],
    ['a numeric statement', '{"Statement":[1]}'],
    ['a null Condition', '{"Statement":[{"Condition":null}]}'],
    ['a null DateLessThan', '{"Statement":[{"Condition":{"DateLessThan":null}}]}'],
    ['Statement null', '{"Statement":null}'],
  ];
  for (const [name, json] of hostile) {
    test(`hostile input, ${name}: returns undefined instead of throwing`, () => {
      let result: unknown = 'threw';
      assert.doesNotThrow(() => {
        result = parsePolicy(json);
      });
      assert.equal(result, undefined);
    });
  }
});

describe('buildCustomPolicy', () => {
  test('golden string with every condition, in CloudFront key order', () => {
    assert.equal(
      buildCustomPolicy({ resource: 'https://cdn.example.com/live/demo/*', dateLessThan: 1800000000, dateGreaterThan: 1799990000, sourceIp: '203.0.113.7/32' }),
      '{"Statement":[{"Resource":"https://cdn.example.com/live/demo/*","Condition":{"DateLessThan":{"AWS:EpochTime":1800000000},"DateGreaterThan":{"AWS:EpochTime":1799990000},"IpAddress":{"AWS:SourceIp":"203.0.113.7/32"}}}]}',
    );
  });

  test('golden string with DateLessThan only', () => {
    assert.equal(
      buildCustomPolicy({ resource: 'paid', dateLessThan: 1800000000 }),
      '{"Statement":[{"Resource":"paid","Condition":{"DateLessThan":{"AWS:EpochTime":1800000000}}}]}',
    );
  });

  test('optional conditions keep their order when only some are given', () => {
    assert.equal(
      buildCustomPolicy({ resource: 'r', dateLessThan: 2, sourceIp: '1.2.3.4/32' }),
      '{"Statement":[{"Resource":"r","Condition":{"DateLessThan":{"AWS:EpochTime":2},"IpAddress":{"AWS:SourceIp":"1.2.3.4/32"}}}]}',
    );
    assert.equal(
      buildCustomPolicy({ resource: 'r', dateLessThan: 2, dateGreaterThan: 0 }),
      '{"Statement":[{"Resource":"r","Condition":{"DateLessThan":{"AWS:EpochTime":2},"DateGreaterThan":{"AWS:EpochTime":0}}}]}',
    );
  });

  test('a time that is not whole epoch seconds is refused, never signed as null', () => {
    for (const bad of [Number.NaN, Infinity, 1.5]) {
      assert.throws(() => buildCustomPolicy({ resource: 'r', dateLessThan: bad }), /whole epoch seconds/);
      assert.throws(() => buildCustomPolicy({ resource: 'r', dateLessThan: 2, dateGreaterThan: bad }), /whole epoch seconds/);
    }
  });
});

describe('cannedPolicy', () => {
  test('golden string', () => {
    assert.equal(
      cannedPolicy('https://cdn.example.com/vod/x/master.m3u8', 1800000000),
      '{"Statement":[{"Resource":"https://cdn.example.com/vod/x/master.m3u8","Condition":{"DateLessThan":{"AWS:EpochTime":1800000000}}}]}',
    );
  });

  test('no JSON escaping of the URL (byte for byte what CloudFront rebuilds)', () => {
    const url = 'https://h/a b/"q"\\x?k=v&u=é/ü';
    const text = cannedPolicy(url, 7);
    assert.equal(text, `{"Statement":[{"Resource":"${url}","Condition":{"DateLessThan":{"AWS:EpochTime":7}}}]}`);
    assert.notEqual(text, JSON.stringify({ Statement: [{ Resource: url, Condition: { DateLessThan: { 'AWS:EpochTime': 7 } } }] }));
  });

  test('for a plain URL it equals the SDK-style JSON.stringify form', () => {
    const url = 'https://h/live/a/x.ts?q=1';
    assert.equal(cannedPolicy(url, 99), JSON.stringify({ Statement: [{ Resource: url, Condition: { DateLessThan: { 'AWS:EpochTime': 99 } } }] }));
  });
});

describe('streamNameMatches', () => {
  const rows: Array<[string, string, boolean]> = [
    ['paid', 'paid', true],
    ['paid', 'paid2', false],
    ['paid', 'pai', false],
    ['paid', 'PAID', false],
    ['paid*', 'paid', true],
    ['paid*', 'paid/hd', true],
    ['paid*', 'free', false],
    ['*', 'anything/at/all', true],
    ['*', '', true],
    ['pai?', 'paid', true],
    ['pai?', 'pai', false],
    ['pai?', 'paidd', false],
    ['videos/*.flv', 'videos/clip.flv', true],
    ['videos/*.flv', 'videos/clip.mp4', false],
    ['a.b', 'axb', false],
    ['a+b', 'a+b', true],
    ['a+b', 'aab', false],
    ['(x)', '(x)', true],
  ];
  for (const [resource, name, expected] of rows) {
    test(`${JSON.stringify(resource)} vs ${JSON.stringify(name)} → ${expected}`, () => {
      assert.equal(streamNameMatches(resource, name), expected);
    });
  }
});
