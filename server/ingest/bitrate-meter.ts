/** Input bitrates from byte counters sampled at any pace: each channel's rate over the time since its previous sample (at least 2 s apart). */
export function createBitrateMeter(now: () => number = Date.now) {
  const last = new Map<string, { at: number; bytes: number; kbps: number | undefined }>();
  return {
    /** Kbit/s of each channel in `bytesByChannel` (undefined until two samples are 2 s apart); channels absent from it are forgotten. */
    sample(bytesByChannel: ReadonlyMap<string, number>): Map<string, number | undefined> {
      const t = now();
      for (const id of last.keys()) if (!bytesByChannel.has(id)) last.delete(id);
      const rates = new Map<string, number | undefined>();
      for (const [id, bytes] of bytesByChannel) {
        const prev = last.get(id);
        if (!prev || bytes < prev.bytes) last.set(id, { at: t, bytes, kbps: undefined });
        else if (t - prev.at >= 2000) last.set(id, { at: t, bytes, kbps: Math.round(((bytes - prev.bytes) * 8) / (t - prev.at)) });
        rates.set(id, last.get(id)!.kbps);
      }
      return rates;
    },
  };
}
