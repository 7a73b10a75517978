import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadAwsServiceSpecSync } from '@aws-cdk/aws-service-spec';
import { createTemplateValidator, parseTemplate, type Obj, type Template } from '../helpers/cloudformation.ts';
import { loadConfig } from '../../server/config.ts';
import { ORIGIN_SECRET_HEADER } from '../../server/origin/origin-secret.ts';

// deploy/cloudfront/template.yaml, checked two ways: against the CloudFormation resource specification
// (@aws-cdk/aws-service-spec, built from the CloudFormation registry schemas) by the validator below, and,
// where it is installed, by AWS's own linter cfn-lint; then the design it must keep, setting by setting.

const TEMPLATE_FILE = path.join(import.meta.dirname, '../../deploy/cloudfront/template.yaml');
const CACHING_DISABLED = '4135ea2d-6df8-44a3-9df3-4b5a84be39ad';
const CACHING_OPTIMIZED = '658327ea-f89d-4fab-a63d-7e88639e58f6';
const ALL_VIEWER_EXCEPT_HOST_HEADER = 'b689b0a8-53d0-40ab-baf2-68738e2966ac';
const ALL_METHODS = ['DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT'];
// ---- CloudFront's routing: the first cache behaviour whose pattern matches, else the default ----

interface Behaviour extends Obj {
  PathPattern?: string; TargetOriginId: string; ViewerProtocolPolicy: string; CachePolicyId?: unknown; OriginRequestPolicyId?: unknown;
  TrustedKeyGroups?: unknown; AllowedMethods?: string[]; CachedMethods?: string[]; Compress?: boolean;
}

/** CloudFront path patterns: `*` any characters (`/` too), `?` exactly one, case-sensitive, the leading `/` optional. */
function matchesPattern(pattern: string, urlPath: string): boolean {
  const glob = pattern.startsWith('/') ? pattern : `/${pattern}`;
  const re = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${re}$`).test(urlPath);
}

function behaviourFor(config: { CacheBehaviors: Behaviour[]; DefaultCacheBehavior: Behaviour }, urlPath: string): Behaviour {
  return config.CacheBehaviors.find((b) => matchesPattern(b.PathPattern!, urlPath)) ?? config.DefaultCacheBehavior;
}

// ---- the tests ----

let validate: (template: unknown) => string[];
let template: Template;
let text: string;
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'boxoffice-cfn-'));
after(() => fs.rmSync(scratch, { recursive: true, force: true }));

const clone = (): Template => structuredClone(template);
const resource = (t: Template, name: string): Obj => (t.Resources[name] as { Properties: Obj }).Properties;
const distribution = (t: Template = template) => resource(t, 'Distribution').DistributionConfig as { CacheBehaviors: Behaviour[]; DefaultCacheBehavior: Behaviour } & Obj;
const behaviour = (pattern: string, t: Template = template): Behaviour => {
  const found = distribution(t).CacheBehaviors.find((b) => b.PathPattern === pattern);
  assert.ok(found, `a cache behaviour for ${pattern}`);
  return found;
};
/** A broken copy: the text of the template with one line added under the line that matches. */
const withLineAfter = (line: RegExp, added: string): string => {
  assert.match(text, line, 'the line to break the template at');
  return text.replace(line, (m) => `${m}\n${added}`);
};

before(() => {
  validate = createTemplateValidator(loadAwsServiceSpecSync());
  text = fs.readFileSync(TEMPLATE_FILE, 'utf8');
  template = parseTemplate(text);
});

describe('deploy/cloudfront/template.yaml against the CloudFormation resource specification', () => {
  test('it is valid: sections, parameters, every resource type, property name, required property and value type, every reference', () => {
    assert.deepEqual(validate(template), []);
  });

  test('the validator rejects broken copies (it really validates)', () => {
    const broken: [string, (t: Template) => void, RegExp][] = [
      ['an unknown property on the distribution', (t) => void (distribution(t).Bogus = 1), /DistributionConfig\.Bogus: no such property/],
      ['a required property missing', (t) => void delete (resource(t, 'MediaCachePolicy').CachePolicyConfig as Obj).Name, /CachePolicyConfig: required property Name is missing/],
      ['an unknown resource type', (t) => void ((t.Resources.ViewerKeyGroup as Obj).Type = 'AWS::CloudFront::KeyGroups'), /ViewerKeyGroup\.Type: AWS::CloudFront::KeyGroups is not/],
      ['a wrongly typed value', (t) => void (distribution(t).IPV6Enabled = 'maybe'), /IPV6Enabled: expected a boolean/],
      ['a number that is not one', (t) => void ((resource(t, 'MediaCachePolicy').CachePolicyConfig as Obj).MinTTL = 'none'), /MinTTL: expected a number/],
      ['a single Ref where a list is needed', (t) => void (behaviour('/live/*', t).TrustedKeyGroups = { Ref: 'ViewerKeyGroup' }), /TrustedKeyGroups: Ref yields a scalar, the property takes a list/],
      ['a nested unknown property', (t) => void (behaviour('/vod/*', t).TrustedKeyGroup = []), /CacheBehaviors\[\d\]\.TrustedKeyGroup: no such property/],
      ['a value outside the allowed ones', (t) => void (distribution(t).ConnectionMode = 'sideways'), /ConnectionMode: "sideways" is not one of/],
      ['a Ref to nothing', (t) => void ((distribution(t).Origins as { OriginCustomHeaders: Obj[] }[])[0]!.OriginCustomHeaders[0]!.HeaderValue = { Ref: 'OriginSecrets' }),
        /Ref to OriginSecrets, which is no/],
      ['an attribute that does not exist', (t) => void ((t.Outputs.DistributionDomainName as Obj).Value = { 'Fn::GetAtt': ['Distribution', 'Domain'] }), /has no attribute Domain/],
      ['an undefined condition', (t) => void (distribution(t).Aliases = { 'Fn::If': ['HasDomain', { Ref: 'Aliases' }, { Ref: 'AWS::NoValue' }] }), /condition HasDomain is not defined/],
      ['a parameter default outside its AllowedValues', (t) => void ((t.Parameters.PriceClass as Obj).Default = 'PriceClass_50'), /PriceClass\.Default: not one of AllowedValues/],
    ];
    for (const [what, breakIt, expected] of broken) {
      const copy = clone();
      breakIt(copy);
      const problems = validate(copy);
      assert.ok(problems.some((p) => expected.test(p)), `${what}: expected a problem matching ${expected}, got ${JSON.stringify(problems)}`);
    }
    // and through the YAML, as a person would break the file
    const problems = validate(parseTemplate(withLineAfter(/^ {8}HttpVersion: http2and3$/m, '        Bogus: true')));
    assert.deepEqual(problems.filter((p) => /Bogus/.test(p)).length, 1, JSON.stringify(problems));
    assert.throws(() => parseTemplate(withLineAfter(/^ {8}HttpVersion: http2and3$/m, '        Enabled: !Reff Yes')), /Reff/);
  });

  test("AWS's cfn-lint, where installed, finds nothing in the template and the unknown property in a broken copy", async (t) => {
    const run = (args: string[]) => new Promise<{ ok: boolean; out: string }>((resolve) => {
      execFile('cfn-lint', args, { timeout: 120_000 }, (err, stdout, stderr) => resolve({ ok: err === null, out: `${stdout}${stderr}` }));
    });
    const version = await run(['--version']);
    if (!version.ok) return t.skip('cfn-lint is not installed (it is a Python package; the specification check above ran)');
    const brokenFile = path.join(scratch, 'broken.yaml');
    fs.writeFileSync(brokenFile, withLineAfter(/^ {8}HttpVersion: http2and3$/m, '        Bogus: true'));
    // one process for both files: cfn-lint takes seconds to start
    const { out } = await run(['--format', 'parseable', '--', TEMPLATE_FILE, brokenFile]);
    const lines = out.split('\n').filter(Boolean);
    assert.deepEqual(lines.filter((l) => l.startsWith(TEMPLATE_FILE)), [], `${version.out.trim()} on the template`);
    assert.ok(lines.some((l) => l.startsWith(brokenFile) && /E3002/.test(l) && /Bogus/.test(l)), `cfn-lint missed the unknown property: ${out}`);
  });
});

describe('the CloudFront design', () => {
  test('the media cache policy keys on the path and the LL-HLS delivery directives alone; the origin\'s Cache-Control decides how long', () => {
    const config = resource(template, 'MediaCachePolicy').CachePolicyConfig as Obj;
    assert.deepEqual(config.ParametersInCacheKeyAndForwardedToOrigin, {
      EnableAcceptEncodingGzip: true,
      EnableAcceptEncodingBrotli: false,
      QueryStringsConfig: { QueryStringBehavior: 'whitelist', QueryStrings: ['_HLS_msn', '_HLS_part', '_HLS_skip'] },
      CookiesConfig: { CookieBehavior: 'none' },
      HeadersConfig: { HeaderBehavior: 'none' },
    });
    assert.deepEqual([config.MinTTL, config.DefaultTTL, config.MaxTTL], [0, 0, 31536000]);
  });

  test('/live/* and /vod/* need a signature from the origin\'s key, cached by path, with nothing forwarded', () => {
    assert.deepEqual((resource(template, 'ViewerKeyGroup').KeyGroupConfig as Obj).Items, [{ Ref: 'SigningPublicKey' }]);
    assert.deepEqual((resource(template, 'SigningPublicKey').PublicKeyConfig as Obj).EncodedKey, { Ref: 'SigningPublicKeyPem' });
    for (const pattern of ['/live/*', '/vod/*']) {
      const b = behaviour(pattern);
      assert.deepEqual(b.TrustedKeyGroups, [{ Ref: 'ViewerKeyGroup' }], pattern);
      assert.deepEqual(b.CachePolicyId, { Ref: 'MediaCachePolicy' }, pattern);
      assert.equal(b.OriginRequestPolicyId, undefined, `${pattern}: no origin request policy, so no query, cookies or viewer headers reach the origin`);
      assert.deepEqual(b.AllowedMethods, ['GET', 'HEAD', 'OPTIONS'], pattern);
      assert.deepEqual(b.CachedMethods, ['GET', 'HEAD'], pattern);
      assert.equal(b.ViewerProtocolPolicy, 'redirect-to-https', pattern);
      assert.equal(b.Compress, true, pattern);
      assert.equal(b.TrustedSigners, undefined, `${pattern}: key groups, not the legacy account signers`);
    }
  });

  test('every HLS path is behind the key group except the posters and the path-token form (the origin checks it); API, assets and pages go where they should', () => {
    const config = distribution();
    const routes: [string, string | undefined, boolean][] = [
      ['/live/ch1/master.m3u8', '/live/*', true],
      ['/live/ch1/q/master.m3u8', '/live/*', true],
      ['/live/ch1/q/720p.m3u8', '/live/*', true],
      ['/live/ch1/r3/720p/42.ts', '/live/*', true],
      ['/vod/v1/master.m3u8', '/vod/*', true],
      ['/vod/v1/q/master.m3u8', '/vod/*', true],
      ['/vod/v1/0123456789abcdef/q/480p.m3u8', '/vod/*', true],
      ['/vod/v1/0123456789abcdef/480p/0.ts', '/vod/*', true],
      ['/live/ch1/s/UG9saWN5PWV5SlRk/master.m3u8', '/live/*/s/*', false],
      ['/live/ch1/s/UG9saWN5PWV5SlRk/r3/720p/42.ts', '/live/*/s/*', false],
      ['/vod/v1/s/UG9saWN5PWV5SlRk/0123456789abcdef/480p/0.ts', '/vod/*/s/*', false],
      ['/vod/v1/poster.jpg', '/vod/*/poster.jpg', false],
      ['/vod/v1/0123456789abcdef/poster.jpg', '/vod/*/poster.jpg', false],
      ['/api/playback/ch1', '/api/*', false],
      ['/api/stripe/webhook', '/api/*', false],
      ['/assets/app.3f9a2c1b.js', '/assets/*', false],
      ['/', undefined, false],
      ['/watch/ch1', undefined, false],
      ['/demo-checkout/cs_demo_1', undefined, false],
      ['/healthz', undefined, false],
    ];
    for (const [urlPath, pattern, signed] of routes) {
      const b = behaviourFor(config, urlPath);
      assert.equal(b.PathPattern, pattern, urlPath);
      assert.equal(b.TrustedKeyGroups !== undefined, signed, `${urlPath}: ${signed ? 'needs' : 'needs no'} signature`);
      assert.equal(b.TargetOriginId, 'boxoffice-origin', urlPath);
    }
    assert.deepEqual(behaviour('/vod/*/poster.jpg').CachePolicyId, { Ref: 'MediaCachePolicy' });
  });

  test('/api/* and the player pages are not cached and get every viewer header, cookie and query string', () => {
    for (const b of [behaviour('/api/*'), distribution().DefaultCacheBehavior]) {
      assert.equal(b.CachePolicyId, CACHING_DISABLED);
      assert.equal(b.OriginRequestPolicyId, ALL_VIEWER_EXCEPT_HOST_HEADER);
      assert.deepEqual([...b.AllowedMethods!].sort(), ALL_METHODS, 'POST: checkout, Stripe webhooks, the demo checkout');
      assert.equal(b.TrustedKeyGroups, undefined);
    }
    assert.equal(behaviour('/api/*').ViewerProtocolPolicy, 'https-only');
    assert.equal(distribution().DefaultCacheBehavior.ViewerProtocolPolicy, 'redirect-to-https');
    assert.equal(behaviour('/assets/*').CachePolicyId, CACHING_OPTIMIZED);
    assert.equal(behaviour('/assets/*').OriginRequestPolicyId, undefined);
  });

  test('the origin gets X-Origin-Secret from the NoEcho parameter, under the rules the origin applies to ORIGIN_SECRET', () => {
    const [origin, ...others] = distribution().Origins as Obj[];
    assert.equal(others.length, 0, 'one origin');
    assert.deepEqual(origin!.OriginCustomHeaders, [{ HeaderName: 'X-Origin-Secret', HeaderValue: { Ref: 'OriginSecret' } }]);
    assert.equal('X-Origin-Secret'.toLowerCase(), ORIGIN_SECRET_HEADER, 'the header the origin reads');
    assert.deepEqual(origin!.CustomOriginConfig, {
      OriginProtocolPolicy: { Ref: 'OriginProtocolPolicy' }, HTTPPort: { Ref: 'OriginHttpPort' }, HTTPSPort: { Ref: 'OriginHttpsPort' }, OriginSSLProtocols: ['TLSv1.2'],
    });
    const p = template.Parameters.OriginSecret as { NoEcho: boolean; MinLength: number; MaxLength: number; AllowedPattern: string; Default?: string };
    assert.equal(p.NoEcho, true);
    assert.equal(p.Default, undefined, 'no default secret');
    const templateAccepts = (s: string) => s.length >= p.MinLength && s.length <= p.MaxLength && new RegExp(p.AllowedPattern).test(s);
    const originAccepts = (s: string) => {
      try {
        return loadConfig({ ORIGIN_SECRET: s }, scratch).originSecret === s;
      } catch {
        return false;
      }
    };
    const accepted = ['0123456789abcdef', 'Zx9vQ2mK7pL0aB3c!#$%&()*+,-./:;<=>?@[]^_`{|}~', 'x'.repeat(256)];
    const refused = ['short-secret', 'x'.repeat(257), 'with space 0123456789', 'tab\t0123456789abcdef', 'ünïcode-0123456789abc'];
    for (const secret of [...accepted, ...refused]) {
      assert.equal(originAccepts(secret), accepted.includes(secret), `${JSON.stringify(secret)}: the origin's rule`);
      assert.equal(templateAccepts(secret), originAccepts(secret), `${JSON.stringify(secret)}: the template and the origin must agree`);
    }
    const params = template.Parameters as Record<string, { Default?: unknown; AllowedValues?: unknown }>;
    assert.deepEqual([params.OriginProtocolPolicy!.Default, params.OriginProtocolPolicy!.AllowedValues], ['http-only', ['http-only', 'https-only']]);
    assert.deepEqual([params.OriginHttpPort!.Default, params.OriginHttpsPort!.Default, params.PriceClass!.Default], [80, 443, 'PriceClass_100']);
  });

  test('the distribution: HTTP/2 and 3, IPv6, HTTPS for viewers, 5xx not held for 10 s', () => {
    const config = distribution();
    assert.equal(config.Enabled, true);
    assert.equal(config.HttpVersion, 'http2and3');
    assert.equal(config.IPV6Enabled, true);
    assert.deepEqual(config.PriceClass, { Ref: 'PriceClass' });
    for (const b of [...config.CacheBehaviors, config.DefaultCacheBehavior]) assert.match(b.ViewerProtocolPolicy, /^(redirect-to-https|https-only)$/, b.PathPattern ?? 'default');
    assert.deepEqual((config.CustomErrorResponses as Obj[]).map((e) => [e.ErrorCode, e.ErrorCachingMinTTL]), [[500, 1], [502, 1], [503, 1], [504, 1]]);
  });

  test('the outputs give what the origin is restarted with: the domain, the public key id, the distribution id', () => {
    const value = (name: string) => (template.Outputs[name] as { Value: unknown }).Value;
    assert.deepEqual(value('DistributionDomainName'), { 'Fn::GetAtt': ['Distribution', 'DomainName'] });
    assert.deepEqual(value('PublicKeyId'), { Ref: 'SigningPublicKey' });
    assert.deepEqual(value('DistributionId'), { Ref: 'Distribution' });
    assert.deepEqual((value('PublicUrl') as { 'Fn::If': unknown[] })['Fn::If'][2], { 'Fn::Sub': 'https://${Distribution.DomainName}' });
  });

  test('the origin accepts the settings the README has operators restart it with', () => {
    const keyFile = path.join(scratch, 'private-key.pem');
    fs.writeFileSync(keyFile, 'not read by loadConfig');
    const config = loadConfig({
      PUBLIC_URL: 'https://d111111abcdef8.cloudfront.net', SIGNING_KEY_PAIR_ID: 'K2JCJMDEHXQW5F', SIGNING_PRIVATE_KEY_FILE: keyFile,
      ENFORCE_SIGNATURES: 'false', TRUST_PROXY: 'true', ORIGIN_SECRET: 'Zx9vQ2mK7pL0aB3cD4eF5gH6',
    }, scratch);
    assert.equal(config.enforceSignatures, false);
    assert.equal(config.trustProxy, true);
    assert.equal(config.signingKeyPairId, 'K2JCJMDEHXQW5F');
    assert.equal(config.publicUrl, 'https://d111111abcdef8.cloudfront.net');
  });
});
