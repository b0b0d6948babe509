// AWS Signature Version 4 verification (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html)
// with Web Crypto only, so it runs on Node and on Workers. Parsing never throws: untrusted input yields a value or
// an `AuthError`; verification compares signatures in constant time.
import { AuthError } from "./auth-error.js";

export const SIGV4_ALGORITHM = "AWS4-HMAC-SHA256";
/** SHA-256 of the empty string: the payload hash of a request without a body (and of Envoy's gRPC signature). */
export const EMPTY_PAYLOAD_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
/** How far a request's X-Amz-Date may be from the server clock (AWS allows 5 minutes either way). */
export const MAX_CLOCK_SKEW_MS = 5 * 60 * 1000;
/** Longest lifetime a presigned URL may ask for (7 days, as AWS). */
export const MAX_PRESIGNED_EXPIRES_SECONDS = 604_800;
/** Header and query values longer than this are refused before any parsing work. */
const MAX_AUTH_FIELD_LENGTH = 8192;

/** What a request claims about its signature, parsed from the Authorization header or the presigned query. */
export interface SignatureClaim {
  form: "header" | "query";
  accessKeyId: string;
  /** yyyymmdd from the credential scope. */
  scopeDate: string;
  region: string;
  service: string;
  /** Lower-case header names in the order given (must be sorted and include `host`). */
  signedHeaders: string[];
  /** 64 lower-case hex digits. */
  signature: string;
  /** X-Amz-Date, yyyymmddThhmmssZ. */
  amzDate: string;
  /** Presigned form only: X-Amz-Expires in seconds. */
  expiresSeconds?: number;
  /** X-Amz-Security-Token when present. */
  sessionToken?: string;
}

/** The parts of a request the signature covers, independent of any HTTP library. */
export interface SignableRequest {
  method: string;
  /** Raw path as received, still percent-encoded (e.g. `/v20190125/meshes/m%201`). */
  path: string;
  /** Raw query string without the leading `?` ("" when none). */
  query: string;
  /** Header lookup by lower-case name; several values joined by ", " as `Headers.get` does. */
  header(name: string): string | undefined;
}

const credentialPattern = /^([A-Za-z0-9_+=,.@-]{1,128})\/(\d{8})\/([a-z0-9-]{1,32})\/([a-z0-9-]{1,64})\/aws4_request$/;
const amzDatePattern = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;
const signaturePattern = /^[0-9a-f]{64}$/;
const headerNamePattern = /^[a-z0-9!#$%&'*+.^_`|~-]+$/;

const incomplete = (message: string) => new AuthError("IncompleteSignatureException", message);

/** True when the request carries any SigV4 material (header or presigned query). */
export function hasSignature(request: SignableRequest): boolean {
  return request.header("authorization") !== undefined || /(^|&)X-Amz-Algorithm=/i.test(request.query) || /(^|&)X-Amz-Signature=/i.test(request.query);
}

/** Parses the Authorization header form; `undefined` header means "no signature". */
export function parseAuthorizationHeader(request: SignableRequest): SignatureClaim | AuthError {
  const authorization = request.header("authorization") ?? "";
  if (authorization.length > MAX_AUTH_FIELD_LENGTH) return incomplete("The Authorization header is too long.");
  const space = authorization.indexOf(" ");
  const algorithm = space < 0 ? authorization : authorization.slice(0, space);
  if (algorithm !== SIGV4_ALGORITHM) {
    return incomplete(`Authorization header must use ${SIGV4_ALGORITHM}; got "${algorithm.slice(0, 32)}".`);
  }
  const fields = new Map<string, string>();
  for (const part of authorization.slice(space + 1).split(",")) {
    const trimmed = part.trim();
    const equals = trimmed.indexOf("=");
    if (equals <= 0) return incomplete(`Authorization header field "${trimmed.slice(0, 32)}" is not key=value.`);
    const key = trimmed.slice(0, equals);
    if (fields.has(key)) return incomplete(`Authorization header repeats "${key.slice(0, 32)}".`);
    fields.set(key, trimmed.slice(equals + 1));
  }
  const credential = fields.get("Credential");
  const signedHeaders = fields.get("SignedHeaders");
  const signature = fields.get("Signature");
  if (credential === undefined || signedHeaders === undefined || signature === undefined) {
    return incomplete("Authorization header requires Credential, SignedHeaders and Signature.");
  }
  const amzDate = request.header("x-amz-date");
  if (amzDate === undefined) return incomplete("Authorization header requires an X-Amz-Date header.");
  const sessionToken = request.header("x-amz-security-token");
  return buildClaim("header", credential, signedHeaders, signature, amzDate, undefined, sessionToken);
}

/** Parses the presigned query form (`X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=…`). */
export function parsePresignedQuery(request: SignableRequest): SignatureClaim | AuthError {
  if (request.query.length > MAX_AUTH_FIELD_LENGTH * 4) return incomplete("The query string is too long.");
  const params = parseQuery(request.query);
  if (params instanceof AuthError) return params;
  const one = (name: string): string | undefined | AuthError => {
    const values = params.filter(([key]) => key === name);
    if (values.length > 1) return incomplete(`Query parameter ${name} is repeated.`);
    return values[0]?.[1];
  };
  const algorithm = one("X-Amz-Algorithm");
  const credential = one("X-Amz-Credential");
  const signedHeaders = one("X-Amz-SignedHeaders");
  const signature = one("X-Amz-Signature");
  const amzDate = one("X-Amz-Date");
  const expires = one("X-Amz-Expires");
  const token = one("X-Amz-Security-Token");
  for (const value of [algorithm, credential, signedHeaders, signature, amzDate, expires, token]) if (value instanceof AuthError) return value;
  if (algorithm !== SIGV4_ALGORITHM) return incomplete(`X-Amz-Algorithm must be ${SIGV4_ALGORITHM}.`);
  if (credential === undefined || signedHeaders === undefined || signature === undefined || amzDate === undefined || expires === undefined) {
    return incomplete("A presigned request requires X-Amz-Credential, X-Amz-SignedHeaders, X-Amz-Signature, X-Amz-Date and X-Amz-Expires.");
  }
  if (!/^\d{1,7}$/.test(expires as string)) return incomplete("X-Amz-Expires must be a number of seconds.");
  const expiresSeconds = Number(expires);
  if (expiresSeconds < 1 || expiresSeconds > MAX_PRESIGNED_EXPIRES_SECONDS) {
    return incomplete(`X-Amz-Expires must be between 1 and ${MAX_PRESIGNED_EXPIRES_SECONDS} seconds.`);
  }
  return buildClaim("query", credential as string, signedHeaders as string, signature as string, amzDate as string, expiresSeconds, token as string | undefined);
}

function buildClaim(
  form: SignatureClaim["form"],
  credential: string,
  signedHeaders: string,
  signature: string,
  amzDate: string,
  expiresSeconds: number | undefined,
  sessionToken: string | undefined,
): SignatureClaim | AuthError {
  const scope = credentialPattern.exec(credential);
  if (!scope) return incomplete("Credential must look like <access key id>/<yyyymmdd>/<region>/<service>/aws4_request.");
  if (!signaturePattern.test(signature)) return incomplete("Signature must be 64 lower-case hexadecimal digits.");
  if (!amzDatePattern.test(amzDate) || Number.isNaN(amzDateToMillis(amzDate))) return incomplete("X-Amz-Date must look like yyyymmddThhmmssZ.");
  const names = signedHeaders.split(";");
  if (names.length > 64 || names.some((name) => !headerNamePattern.test(name))) return incomplete("SignedHeaders must be lower-case header names separated by ';'.");
  for (let i = 1; i < names.length; i++) if (names[i - 1]! >= names[i]!) return incomplete("SignedHeaders must be sorted and unique.");
  if (!names.includes("host")) return incomplete("SignedHeaders must include host.");
  const [, accessKeyId, scopeDate, region, service] = scope as unknown as [string, string, string, string, string];
  const claim: SignatureClaim = { form, accessKeyId, scopeDate, region, service, signedHeaders: names, signature, amzDate };
  if (expiresSeconds !== undefined) claim.expiresSeconds = expiresSeconds;
  if (sessionToken !== undefined) claim.sessionToken = sessionToken;
  return claim;
}

/** Epoch milliseconds of an X-Amz-Date, NaN when it is not a real instant. */
export function amzDateToMillis(amzDate: string): number {
  const match = amzDatePattern.exec(amzDate);
  if (!match) return Number.NaN;
  const [, y, mo, d, h, mi, s] = match.map(Number) as [number, number, number, number, number, number, number];
  const millis = Date.UTC(y, mo - 1, d, h, mi, s);
  const back = new Date(millis);
  // Date.UTC rolls 20261399 over into a later month; a real date survives the round trip.
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) return Number.NaN;
  return millis;
}

/** Formats an instant as X-Amz-Date (yyyymmddThhmmssZ). */
export function toAmzDate(millis: number): string {
  return new Date(millis).toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
}

/** Checks the date rules: the scope date matches X-Amz-Date, and the request is within the clock skew (or presigned lifetime). */
export function checkClaimTime(claim: SignatureClaim, now: number): AuthError | null {
  if (claim.amzDate.slice(0, 8) !== claim.scopeDate) {
    return new AuthError("InvalidSignatureException", `The credential scope date ${claim.scopeDate} does not match X-Amz-Date ${claim.amzDate}.`);
  }
  const signedAt = amzDateToMillis(claim.amzDate);
  const notBefore = signedAt - MAX_CLOCK_SKEW_MS;
  const notAfter = claim.form === "query" ? signedAt + (claim.expiresSeconds ?? 0) * 1000 : signedAt + MAX_CLOCK_SKEW_MS;
  if (now > notAfter) {
    return new AuthError(
      "InvalidSignatureException",
      claim.form === "query" ? `The presigned request expired at ${toAmzDate(notAfter)}; it is now ${toAmzDate(now)}.` : `Signature expired: ${claim.amzDate} is more than 5 minutes before the server time ${toAmzDate(now)}.`,
    );
  }
  if (now < notBefore) {
    return new AuthError("InvalidSignatureException", `Signature not yet current: ${claim.amzDate} is more than 5 minutes after the server time ${toAmzDate(now)}.`);
  }
  return null;
}

/** RFC 3986 encoding as SigV4 wants it: everything but A-Z a-z 0-9 - _ . ~ is %XX (upper-case hex). */
export function uriEscape(value: string): string {
  // encodeURIComponent throws on lone surrogates; such input cannot carry a valid signature, so make it well formed.
  const wellFormed = value.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, "\uFFFD");
  return encodeURIComponent(wellFormed).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function safeDecode(value: string): string | AuthError {
  try {
    return decodeURIComponent(value);
  } catch {
    return incomplete("The request URI contains an invalid percent-encoding.");
  }
}

/** Decoded query pairs in order. `+` is a literal plus, as the AWS signers send it encoded when they mean a space. */
function parseQuery(query: string): Array<[string, string]> | AuthError {
  const pairs: Array<[string, string]> = [];
  if (query === "") return pairs;
  for (const part of query.split("&")) {
    if (part === "") continue;
    const equals = part.indexOf("=");
    const key = safeDecode(equals < 0 ? part : part.slice(0, equals));
    const value = safeDecode(equals < 0 ? "" : part.slice(equals + 1));
    if (key instanceof AuthError) return key;
    if (value instanceof AuthError) return value;
    pairs.push([key, value]);
  }
  return pairs;
}

/** Canonical URI of a non-S3 service: dot segments resolved, empty segments dropped, then the raw path encoded again. */
export function canonicalUri(rawPath: string): string {
  const segments: string[] = [];
  for (const segment of rawPath.split("/")) {
    if (segment === "" || segment === ".") continue;
    if (segment === "..") segments.pop();
    else segments.push(segment);
  }
  const normalized = `/${segments.join("/")}${segments.length > 0 && rawPath.endsWith("/") ? "/" : ""}`;
  return uriEscape(normalized).replace(/%2F/g, "/");
}

/** Canonical query: pairs encoded, sorted by key then value; the presigned form leaves out X-Amz-Signature. */
export function canonicalQuery(rawQuery: string, form: SignatureClaim["form"]): string | AuthError {
  const pairs = parseQuery(rawQuery);
  if (pairs instanceof AuthError) return pairs;
  return pairs
    .filter(([key]) => !(form === "query" && key === "X-Amz-Signature"))
    .map(([key, value]) => [uriEscape(key), uriEscape(value)] as const)
    .sort(([ak, av], [bk, bv]) => (ak < bk ? -1 : ak > bk ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([key, value]) => `${key}=${value}`)
    .join("&");
}

/** The canonical request (step 1 of SigV4), or an error when a signed header is missing. */
export function canonicalRequest(request: SignableRequest, claim: SignatureClaim, payloadHash: string): string | AuthError {
  const query = canonicalQuery(request.query, claim.form);
  if (query instanceof AuthError) return query;
  const headerLines: string[] = [];
  for (const name of claim.signedHeaders) {
    const value = request.header(name);
    if (value === undefined) return new AuthError("InvalidSignatureException", `Signed header ${name} is not in the request.`);
    headerLines.push(`${name}:${value.trim().replace(/\s+/g, " ")}\n`);
  }
  return [request.method.toUpperCase(), canonicalUri(request.path), query, headerLines.join(""), claim.signedHeaders.join(";"), payloadHash].join("\n");
}

const encoder = new TextEncoder();

export function toHex(bytes: ArrayBuffer | Uint8Array): string {
  const view = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  let hex = "";
  for (const byte of view) hex += byte.toString(16).padStart(2, "0");
  return hex;
}

export async function sha256Hex(data: Uint8Array | string): Promise<string> {
  const bytes = typeof data === "string" ? encoder.encode(data) : data;
  return toHex(await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>));
}

async function hmac(key: Uint8Array, data: string): Promise<Uint8Array> {
  const cryptoKey = await crypto.subtle.importKey("raw", key as Uint8Array<ArrayBuffer>, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return new Uint8Array(await crypto.subtle.sign("HMAC", cryptoKey, encoder.encode(data)));
}

/** The signature of a canonical request under a secret, as hex (steps 2–4 of SigV4). */
export async function computeSignature(secretAccessKey: string, claim: SignatureClaim, canonical: string): Promise<string> {
  const scope = `${claim.scopeDate}/${claim.region}/${claim.service}/aws4_request`;
  const stringToSign = `${SIGV4_ALGORITHM}\n${claim.amzDate}\n${scope}\n${await sha256Hex(canonical)}`;
  let key = await hmac(encoder.encode(`AWS4${secretAccessKey}`), claim.scopeDate);
  key = await hmac(key, claim.region);
  key = await hmac(key, claim.service);
  key = await hmac(key, "aws4_request");
  return toHex(await hmac(key, stringToSign));
}

/** Compares two strings in time that depends only on their lengths. */
export function timingSafeEqual(a: string, b: string): boolean {
  const left = encoder.encode(a);
  const right = encoder.encode(b);
  let difference = left.length ^ right.length;
  const length = Math.max(left.length, right.length);
  for (let i = 0; i < length; i++) difference |= (left[i % Math.max(left.length, 1)] ?? 0) ^ (right[i % Math.max(right.length, 1)] ?? 0);
  return difference === 0;
}
