/**
 * Bearer-token verification with the same checks as API Gateway's JWT authorizer:
 * RS256 signature against the issuer's JWKS, `iss`, `aud` (or Cognito's
 * `client_id`), `exp` and `nbf`. Used by the local stack's authorizer, and by
 * functions for routes that are public but show more to a signed-in caller.
 */
import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';

export interface JwtSettings {
  issuer: string;
  audience: string;
}

const keySets = new Map<string, ReturnType<typeof createRemoteJWKSet>>();

function keySet(issuer: string) {
  let set = keySets.get(issuer);
  if (!set) {
    set = createRemoteJWKSet(new URL(`${issuer}/.well-known/jwks.json`));
    keySets.set(issuer, set);
  }
  return set;
}

/** The token's claims, or null when it does not verify (never throws for bad tokens). */
export async function verifyBearer(authorization: string | undefined, settings: JwtSettings): Promise<JWTPayload | null> {
  const match = /^Bearer ([A-Za-z0-9_.-]+)$/.exec(authorization ?? '');
  if (!match) return null;
  try {
    const { payload } = await jwtVerify(match[1]!, keySet(settings.issuer), {
      issuer: settings.issuer,
      algorithms: ['RS256'],
      requiredClaims: ['sub', 'exp'],
    });
    const audiences = [payload.aud ?? [], (payload as { client_id?: string }).client_id ?? []].flat();
    return audiences.includes(settings.audience) ? payload : null;
  } catch {
    return null;
  }
}
