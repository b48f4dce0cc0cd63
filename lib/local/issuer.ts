/**
 * The local stand-in for the Cognito user pool: an RS256 key made at start, its
 * JWKS served where Cognito serves it (`<issuer>/.well-known/jwks.json`), and
 * tokens with Cognito's claims (`sub`, `cognito:groups`, `iss`, `exp`; `aud` on ID
 * tokens, `client_id` on access tokens).
 */
import { exportJWK, generateKeyPair, SignJWT, type JWK, type JWTPayload } from 'jose';

export interface LocalIssuer {
  issuer: string;
  audience: string;
  jwks: { keys: JWK[] };
  /**
   * A token as Cognito issues it: an ID token (`aud` = the client id) or, with
   * `tokenUse: 'access'`, an access token (`client_id`, no `aud`, `scope`, `username`).
   */
  issue(claims: { sub: string; groups?: string[]; tokenUse?: 'id' | 'access' }, ttlSeconds?: number): Promise<string>;
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
    async issue({ sub, groups, tokenUse = 'id' }, ttlSeconds = 3600) {
      const groupClaim = groups?.length ? { 'cognito:groups': groups } : {};
      const jwt =
        tokenUse === 'access'
          ? new SignJWT({ ...groupClaim, token_use: 'access', client_id: audience, scope: 'aws.cognito.signin.user.admin', username: sub })
          : new SignJWT({ ...groupClaim, token_use: 'id' }).setAudience(audience);
      return jwt.setProtectedHeader({ alg: 'RS256', kid }).setSubject(sub).setIssuer(issuer).setIssuedAt().setExpirationTime(`${ttlSeconds}s`).sign(privateKey);
    },
    signRaw(claims) {
      return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid }).sign(privateKey);
    },
  };
}
