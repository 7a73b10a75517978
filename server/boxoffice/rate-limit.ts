/** A fixed-window counter per key: `hit` answers whether one more request is allowed, or when to retry. */
export function createRateLimit(opts: { limit: number; windowMs: number; now: () => number }): (key: string) => { ok: true } | { ok: false; retryAfterSeconds: number } {
  const windows = new Map<string, { count: number; resetAt: number }>();
  return (key) => {
    const now = opts.now();
    if (windows.size > 50_000) for (const [k, w] of windows) if (w.resetAt <= now) windows.delete(k);
    let w = windows.get(key);
    if (!w || w.resetAt <= now) {
      w = { count: 0, resetAt: now + opts.windowMs };
      windows.set(key, w);
    }
    w.count++;
    return w.count <= opts.limit ? { ok: true } : { ok: false, retryAfterSeconds: Math.ceil((w.resetAt - now) / 1000) };
  };
}
