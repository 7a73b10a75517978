/**
 * Splits a raw request path into checked segments, or null when it could reach outside its root:
 * percent-encoding (no legitimate HLS name needs it), backslashes, control bytes, empty segments, `.`/`..`.
 */
export function splitSafePath(rawPath: string): string[] | null {
  if (/[%\\\0-\x1f\x7f]/.test(rawPath)) return null;
  const parts = rawPath.split('/').slice(1);
  if (parts.some((p) => p === '' || p === '.' || p === '..')) return null;
  return parts;
}
