/** Remembers `load(key)` for `ttlMs` (hot paths ask the same question thousands of times a second). */
export function createTtlCache<T>(load: (key: string) => T, ttlMs: number, now: () => number = Date.now): (key: string) => T {
  const entries = new Map<string, { value: T; until: number }>();
  return (key) => {
    const t = now();
    const hit = entries.get(key);
    if (hit && hit.until > t) return hit.value;
    if (entries.size >= 10_000) entries.clear();
    const value = load(key);
    entries.set(key, { value, until: t + ttlMs });
    return value;
  };
}
