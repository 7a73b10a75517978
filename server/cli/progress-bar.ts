/** A progress line: `[#######.............]  35%  ETA 0:42` (ETA once there is enough to go on). */
export function renderProgress(progress: number, elapsedMs: number, width = 30): string {
  const p = Math.max(0, Math.min(1, progress));
  const filled = Math.round(p * width);
  const bar = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(Math.floor(p * 100)).padStart(3)}%`;
  if (p <= 0.01 || p >= 1 || elapsedMs < 1000) return bar;
  const remaining = Math.round(((elapsedMs / p) * (1 - p)) / 1000);
  return `${bar}  ETA ${Math.floor(remaining / 60)}:${String(remaining % 60).padStart(2, '0')}`;
}
