/**
 * Seconds from the playing picture's PROGRAM-DATE-TIME (when the origin had it) to now, or undefined when the
 * playlist has no dates or the result cannot be right (this device's clock is set apart from the origin's).
 */
export function measuredDelay(playingDate: Date | undefined, now = Date.now()): number | undefined {
  if (!playingDate) return undefined;
  const seconds = (now - playingDate.getTime()) / 1000;
  return seconds > 0 && seconds < 120 ? seconds : undefined;
}
