import http from 'node:http';
import type net from 'node:net';

/** A Checkout Session as the double keeps it (the fields the box office reads). */
export interface DoubleSession {
  id: string;
  object: 'checkout.session';
  url: string;
  mode: string;
  status: 'open' | 'complete';
  payment_status: 'unpaid' | 'paid';
  amount_total: number;
  currency: string;
  client_reference_id: string | null;
  metadata: Record<string, string>;
  payment_intent: string | null;
  customer_details: { email: string } | null;
  success_url: string;
  cancel_url: string;
  line_items_sent: unknown;
  created: number;
}

/** One request the double received. */
export interface DoubleRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  form: Record<string, unknown>;
}

/** Parses `a[b][0][c]=1` form bodies (what the Stripe SDK sends) into nested objects. */
export function parseStripeForm(body: string): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const pair of body.split('&').filter(Boolean)) {
    const [rawKey, rawValue = ''] = pair.split('=');
    const key = decodeURIComponent(rawKey!.replace(/\+/g, ' '));
    const value = decodeURIComponent(rawValue.replace(/\+/g, ' '));
    const path = key.split(/\[|\]\[|\]/).filter((p) => p !== '');
    let node: Record<string, unknown> = root;
    path.forEach((part, i) => {
      if (i === path.length - 1) node[part] = value;
      else node = (node[part] ??= {}) as Record<string, unknown>;
    });
  }
  return root;
}

/** A local stand-in for Stripe's API: Checkout Sessions create and retrieve, with hooks to mark them paid. */
export interface StripeDouble {
  readonly url: string;
  readonly requests: DoubleRequest[];
  readonly sessions: Map<string, DoubleSession>;
  /** Marks a session paid (what the buyer completing Stripe's page does). */
  pay(sessionId: string, email?: string): DoubleSession;
  /** A Stripe event object wrapping `object` (created = `createdSeconds`, default now). */
  event(type: string, object: unknown, createdSeconds?: number): { id: string; object: 'event'; type: string; created: number; data: { object: unknown }; livemode: false; api_version: string };
  close(): Promise<void>;
}

/** Starts the double on an ephemeral loopback port. */
export async function startStripeDouble(): Promise<StripeDouble> {
  const requests: DoubleRequest[] = [];
  const sessions = new Map<string, DoubleSession>();
  let n = 0;
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const path = (req.url ?? '').split('?')[0]!;
      const form = parseStripeForm(body);
      requests.push({ method: req.method ?? '', path, headers: req.headers, form });
      const send = (status: number, json: unknown): void => {
        res.writeHead(status, { 'content-type': 'application/json', 'request-id': `req_${++n}` });
        res.end(JSON.stringify(json));
      };
      if (!/^Bearer sk_test_/.test(req.headers.authorization ?? '')) return send(401, { error: { type: 'invalid_request_error', message: 'Invalid API Key provided' } });
      if (req.method === 'POST' && path === '/v1/checkout/sessions') {
        const lineItems = form.line_items as Record<string, { price_data: { unit_amount: string; currency: string } }> | undefined;
        const first = lineItems?.['0'];
        const id = `cs_test_${String(++n).padStart(6, '0')}`;
        const session: DoubleSession = {
          id,
          object: 'checkout.session',
          url: `https://checkout.stripe.test/c/pay/${id}`,
          mode: String(form.mode),
          status: 'open',
          payment_status: 'unpaid',
          amount_total: Number(first?.price_data.unit_amount ?? 0),
          currency: first?.price_data.currency ?? 'usd',
          client_reference_id: (form.client_reference_id as string) ?? null,
          metadata: (form.metadata as Record<string, string>) ?? {},
          payment_intent: null,
          customer_details: null,
          success_url: String(form.success_url),
          cancel_url: String(form.cancel_url),
          line_items_sent: form.line_items,
          created: Math.floor(Date.now() / 1000),
        };
        sessions.set(id, session);
        return send(200, session);
      }
      const m = /^\/v1\/checkout\/sessions\/([^/]+)$/.exec(path);
      if (req.method === 'GET' && m) {
        const s = sessions.get(m[1]!);
        return s ? send(200, s) : send(404, { error: { type: 'invalid_request_error', message: `No such checkout.session: '${m[1]}'` } });
      }
      return send(404, { error: { type: 'invalid_request_error', message: `Unrecognized request URL (${req.method}: ${path})` } });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  let events = 0;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    sessions,
    pay(id, email = 'buyer@example.com') {
      const s = sessions.get(id);
      if (!s) throw new Error(`no session ${id}`);
      Object.assign(s, { status: 'complete', payment_status: 'paid', payment_intent: `pi_${id.slice(8)}`, customer_details: { email } });
      return s;
    },
    event: (type, object, createdSeconds = Math.floor(Date.now() / 1000)) => ({
      id: `evt_${String(++events).padStart(6, '0')}_${Math.random().toString(36).slice(2, 8)}`,
      object: 'event',
      type,
      created: createdSeconds,
      data: { object },
      livemode: false,
      api_version: '2026-10-28.endive',
    }),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
