import type { ServerResponse } from 'node:http';

/**
 * Which sites may read answers cross-origin. Free HLS is public (`*`, never with cookies); paid HLS and the
 * viewer API answer only the allowed sites (PUBLIC_URL's own origin and CORS_ORIGINS), with cookies and
 * `Vary: Origin`; `CORS_ORIGINS=*` opens them to any site, without cookies.
 */
export interface CorsPolicy {
  /** Response headers for a request from `origin` to a resource that is public (free) or not. */
  headers(origin: string | undefined, isPublic: boolean): Record<string, string>;
  /** Whether a page on `origin` may read non-public resources. */
  allows(origin: string | undefined): boolean;
}

const PUBLIC = Object.freeze({ 'access-control-allow-origin': '*' });
const NOT_ALLOWED = Object.freeze({ vary: 'Origin' });

/** Builds the policy from PUBLIC_URL and the CORS_ORIGINS list (already validated by config). */
export function createCorsPolicy(publicUrl: string, corsOrigins: readonly string[]): CorsPolicy {
  const any = corsOrigins.includes('*');
  const origins = new Set([new URL(publicUrl).origin, ...corsOrigins]);
  const allows = (origin: string | undefined): boolean => origin !== undefined && (any || origins.has(origin));
  return {
    allows,
    headers(origin, isPublic) {
      if (isPublic || any) return PUBLIC;
      if (!allows(origin)) return NOT_ALLOWED;
      return { 'access-control-allow-origin': origin!, 'access-control-allow-credentials': 'true', vary: 'Origin' };
    },
  };
}

/** Sets CORS headers on a raw response (the HLS hot path). */
export function setCorsHeaders(res: ServerResponse, headers: Record<string, string>): void {
  for (const name in headers) res.setHeader(name, headers[name]!);
}
