import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startPublisher, type Child } from '../helpers/processes.ts';
import { createChannel, startServer, type TestServer } from '../helpers/server.ts';
import { waitFor } from '../helpers/wait.ts';

/** The value of one cookie in a response's Set-Cookie headers. */
const setCookie = (res: Response, name: string): string | undefined => res.headers.getSetCookie().map((c) => c.split(';')[0]!).find((c) => c.startsWith(`${name}=`))?.slice(name.length + 1);

describe('logs: pino JSON lines with request ids, and no secret in a whole run', () => {
  let server: TestServer;
  let publisher: Child | undefined;
  const secrets = new Map<string, string>();
  let requestId = '';

  before(async () => {
    server = await startServer({ LOG_LEVEL: 'debug' });
    secrets.set('admin token', server.adminToken);
    secrets.set('demo stream key', server.demoKey);
  });
  after(async () => {
    await publisher?.kill('SIGKILL');
    await server?.stop();
  });

  test('a run through the console, ingest, box office and signed playback', { timeout: 120_000 }, async () => {
    const base = server.baseUrl;
    const json = { 'content-type': 'application/json' };
    // the console: sign in, change something, sign out
    const signIn = await fetch(`${base}/api/admin/session`, { method: 'POST', headers: json, body: JSON.stringify({ token: server.adminToken }) });
    requestId = signIn.headers.get('x-request-id') ?? '';
    const session = setCookie(signIn, 'bo_admin')!;
    const { csrfToken } = (await signIn.json()) as { csrfToken: string };
    secrets.set('console session', session).set('CSRF token', csrfToken);
    const consoleHeaders = { cookie: `bo_admin=${session}`, 'x-csrf-token': csrfToken };
    const { streamKey } = await createChannel(server, 'paid', { priceCents: 300, headers: consoleHeaders });
    secrets.set('first stream key', streamKey);
    const rotated = (await (await fetch(`${base}/api/admin/channels/paid/stream-key`, { method: 'POST', headers: consoleHeaders })).json()) as { streamKey: string };
    secrets.set('rotated stream key', rotated.streamKey);
    // the ingest: the old key is refused, the new one publishes
    const refused = startPublisher(server.rtmpUrl(streamKey));
    await refused.exited;
    publisher = startPublisher(server.rtmpUrl(rotated.streamKey));
    // a viewer buys through the demo checkout and plays with a signed URL, its cookies and a path token
    const home = await fetch(`${base}/`);
    const viewer = setCookie(home, 'bo_viewer')!;
    secrets.set('viewer cookie', viewer);
    const asViewer = { cookie: `bo_viewer=${viewer}` };
    const checkout = (await (await fetch(`${base}/api/checkout`, { method: 'POST', headers: { ...json, ...asViewer }, body: JSON.stringify({ itemId: 'paid' }) })).json()) as { url: string };
    const paid = await fetch(checkout.url, { method: 'POST', headers: { ...asViewer, 'content-type': 'application/x-www-form-urlencoded' }, body: 'email=buyer%40example.com', redirect: 'manual' });
    await fetch(new URL(paid.headers.get('location')!, base), { headers: asViewer });
    const playback = await fetch(`${base}/api/playback/paid`, { headers: asViewer });
    const { url } = (await playback.json()) as { url: string };
    const query = new URL(url).searchParams;
    secrets.set('Policy', query.get('Policy')!).set('Signature', query.get('Signature')!);
    const cfSignature = setCookie(playback, 'CloudFront-Signature');
    if (cfSignature) secrets.set('CloudFront-Signature cookie', cfSignature);
    const link = (await (await fetch(`${base}/api/playback/paid?player=url`, { headers: asViewer })).json()) as { url: string };
    const token = /\/s\/([^/]+)\//.exec(link.url)![1]!;
    secrets.set('path token', token);
    await waitFor('the signed playlist of the live channel', async () => (await fetch(url.replace('master.m3u8', '240p.m3u8'))).status === 200, 60_000, 250);
    assert.equal((await fetch(link.url)).status, 200);
    assert.equal((await fetch(url.replace('Signature=', 'Signature=AAAA'))).status, 403, 'a tampered signature (logged at debug) is refused');
    await fetch(`${base}/api/admin/session`, { method: 'DELETE', headers: consoleHeaders });
  });

  test('the log holds none of the run\'s secrets', async () => {
    await publisher?.kill('SIGINT');
    publisher = undefined;
    await server.stop({ keepData: true });
    const log = server.rawOutput();
    assert.ok(secrets.size >= 11, [...secrets.keys()].join(', '));
    for (const [what, value] of secrets) {
      assert.ok(value.length >= 16, `${what} is a real secret`);
      // the banner shows the demo key and the admin token once, on the console, by design
      const lines = log.split('\n').filter((l) => l.startsWith('{'));
      assert.ok(!lines.some((l) => l.includes(value)), `the ${what} appears in a log line`);
      if (what !== 'admin token' && what !== 'demo stream key') assert.ok(!log.includes(value), `the ${what} appears in the output`);
    }
  });

  test('every log line is pino JSON; request lines carry the id the response gave, the route, the status and a redacted URL', () => {
    const lines = server.rawOutput().split('\n').filter((l) => l.trim() !== '');
    const banner = /^(|Boxoffice is running\.|\s+.*)$/;
    const entries = lines.filter((l) => !banner.test(l)).map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.ok(entries.length > 20);
    for (const e of entries) {
      assert.equal(typeof e.level, 'number');
      assert.equal(typeof e.time, 'number');
      assert.equal(typeof e.msg, 'string');
    }
    const requests = entries.filter((e) => e.msg === 'request');
    const signIn = requests.find((e) => e.reqId === requestId);
    assert.ok(signIn, 'the sign-in request is logged under the id its response carried');
    assert.deepEqual([signIn.method, signIn.url, signIn.route, signIn.status], ['POST', '/api/admin/session', '/api/admin/session', 200]);
    const tokenLink = requests.find((e) => e.route === '/api/playback/:itemId' && String(e.url).includes('player'));
    assert.equal(tokenLink?.url, '/api/playback/paid?player=url');
    const returned = requests.find((e) => String(e.url).startsWith('/watch/paid?'));
    assert.equal(returned?.url, '/watch/paid?session_id=…', 'a checkout session id is not logged');
    assert.ok(entries.some((e) => e.msg === 'publish started' && e.channel === 'paid'));
    assert.ok(entries.some((e) => e.msg === 'signature refused'), 'the debug line of the tampered request is there (and holds no signature)');
  });
});
