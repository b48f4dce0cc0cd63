/**
 * The local stand-in for the Cognito user pool: an RS256 key made at start, its
 * JWKS served where Cognito serves it (`<issuer>/.well-known/jwks.json`), and
 * tokens with Cognito's claims (`sub`, `cognito:groups`, `iss`, `aud`, `exp`).
 */
import { exportJWK, generateKeyPair, SignJWT, type JWK, type JWTPayload } from 'jose';

export interface LocalIssuer {
  issuer: string;
  audience: string;
  jwks: { keys: JWK[] };
  issue(claims: { sub: string; groups?: string[] }, ttlSeconds?: number): Promise<string>;
  /** Signs any claims with the issuer's real key: for tests of what the checks refuse. */
  signRaw(claims: JWTPayload): Promise<string>;
}

export async function createIssuer(issuer: string, audience = 'orders-local'): Promise<LocalIssuer> {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  const kid = 'local-1';
  const jwk = { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' };
  return {
    issuer,
    audience,
    jwks: { keys: [jwk] },
    async issue({ sub, groups }, ttlSeconds = 3600) {
      return new SignJWT({ ...(groups?.length ? { 'cognito:groups': groups } : {}), token_use: 'id' })
        .setProtectedHeader({ alg: 'RS256', kid })
        .setSubject(sub)
        .setIssuer(issuer)
        .setAudience(audience)
        .setIssuedAt()
        .setExpirationTime(`${ttlSeconds}s`)
        .sign(privateKey);
    },
    signRaw(claims) {
      return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid }).sign(privateKey);
    },
  };
}
