// Who sent a request: SigV4 (Authorization header or presigned query) or a bearer token, checked against the
// principal directory. Returns the principal or the AuthError the AWS tools expect; never logs secrets.
import { AuthError } from "./auth-error.js";
import type { AccessKey, Principal, PrincipalDirectory } from "./principals.js";
import {
  EMPTY_PAYLOAD_SHA256,
  canonicalRequest,
  checkClaimTime,
  computeSignature,
  hasSignature,
  parseAuthorizationHeader,
  parsePresignedQuery,
  sha256Hex,
  timingSafeEqual,
  type SignableRequest,
  type SignatureClaim,
} from "./sigv4.js";

export interface Authenticated {
  principal: Principal;
  /** The access key id used, or `bearer` for a token. */
  credential: string;
  /** Region from the credential scope (SigV4 only). */
  region?: string;
}

export interface AuthenticatorOptions {
  directory: PrincipalDirectory;
  /** The SigV4 signing name (APPMESH_SIGNING_NAME for the Envoy image; default `appmesh`). */
  signingName?: string;
  /** Clock, epoch milliseconds. */
  now?: () => number;
}

export interface AuthenticationInput {
  request: SignableRequest;
  /**
   * The request body whose hash the signature covers. Omit for gRPC: Envoy signs the empty payload and sends its
   * hash as x-amz-content-sha256 (docs/authentication.md §4).
   */
  body?: Uint8Array;
  /** The signing name this request must be signed for, when not the authenticator's own (servicediscovery, acm, …). */
  signingName?: string;
}

const signatureMismatch = () =>
  new AuthError("InvalidSignatureException", "The request signature does not match the one meshplane calculated; check the secret access key and the signing method.");

export function createAuthenticator(options: AuthenticatorOptions) {
  const signingName = options.signingName ?? "appmesh";
  const now = options.now ?? Date.now;

  async function payloadHashOf(input: AuthenticationInput, claim: SignatureClaim): Promise<string | AuthError> {
    const declared = input.request.header("x-amz-content-sha256");
    if (input.body === undefined) return declared ?? EMPTY_PAYLOAD_SHA256;
    const actual = await sha256Hex(input.body);
    if (declared !== undefined && declared !== actual) {
      // UNSIGNED-PAYLOAD only means "the body is not covered"; allow it for bodiless requests alone.
      if (!(declared === "UNSIGNED-PAYLOAD" && input.body.byteLength === 0)) {
        return new AuthError("InvalidSignatureException", "The x-amz-content-sha256 header does not match the SHA-256 of the request body.");
      }
      return declared;
    }
    return claim.form === "header" && declared !== undefined ? declared : actual;
  }

  async function verifyClaim(input: AuthenticationInput, claim: SignatureClaim): Promise<Authenticated | AuthError> {
    const service = input.signingName ?? signingName;
    if (claim.service !== service) return new AuthError("InvalidSignatureException", `Credential should be scoped to the service "${service}", not "${claim.service}".`);
    const timeError = checkClaimTime(claim, now());
    if (timeError) return timeError;
    const key: AccessKey | undefined = options.directory.findAccessKey(claim.accessKeyId);
    if (!key) return new AuthError("UnrecognizedClientException", "The security token included in the request is invalid: unknown access key id.");
    if (claim.sessionToken !== undefined || key.sessionToken !== undefined) {
      if (claim.sessionToken === undefined || key.sessionToken === undefined || !timingSafeEqual(claim.sessionToken, key.sessionToken)) {
        return new AuthError("UnrecognizedClientException", "The security token included in the request is invalid.");
      }
    }
    const payloadHash = await payloadHashOf(input, claim);
    if (payloadHash instanceof AuthError) return payloadHash;
    const canonical = canonicalRequest(input.request, claim, payloadHash);
    if (canonical instanceof AuthError) return canonical;
    const expected = await computeSignature(key.secretAccessKey, claim, canonical);
    if (!timingSafeEqual(expected, claim.signature)) return signatureMismatch();
    return { principal: key.principal, credential: key.accessKeyId, region: claim.region };
  }

  return {
    /** Authenticates a request; `null` when it carries no credentials at all. */
    async authenticate(input: AuthenticationInput): Promise<Authenticated | AuthError | null> {
      const authorization = input.request.header("authorization");
      if (authorization !== undefined && /^bearer\s/i.test(authorization)) {
        const token = authorization.slice(7).trim();
        const principal = token === "" ? undefined : await options.directory.findBearerToken(token);
        return principal ? { principal, credential: "bearer" } : new AuthError("UnrecognizedClientException", "The bearer token included in the request is invalid.");
      }
      if (!hasSignature(input.request)) return null;
      const claim = authorization !== undefined ? parseAuthorizationHeader(input.request) : parsePresignedQuery(input.request);
      if (claim instanceof AuthError) return claim;
      return verifyClaim(input, claim);
    },
  };
}

export type Authenticator = ReturnType<typeof createAuthenticator>;
