// Envoy's JWT authentication filter (envoy.filters.http.jwt_authn): the first requirement rule whose match the request
// meets decides what it needs; tokens are read where each provider says (Authorization: Bearer and the access_token
// query parameter by default), verified with jose against the provider's JWKS (inline, or fetched from its cluster and
// cached) for signature, expiry and not-before (60 s clock skew, Envoy's default), issuer and audiences. A missing or
// invalid token gets 401 with Envoy's body and WWW-Authenticate; a valid one has its claims copied to headers and,
// unless `forward`, is removed from the request.
// https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_filters/jwt_authn_filter
import { createLocalJWKSet, errors, jwtVerify, type JWTPayload } from "jose";
import type { GatewaySnapshot } from "../snapshot.js";
import type { JwtConfig, JwtProviderConfig, Requirement } from "./filter-config.js";
import type { FilterState, CachedJwks } from "./filter-state.js";
import { textReply, type FilterContext, type FilterReply } from "./filter-reply.js";
import { headerValue } from "./matchers.js";
import type { SideCallTransport } from "./side-call.js";

const CLOCK_SKEW_SECONDS = 60;

interface FoundToken {
  token: string;
  /** Where it was read, so it can be removed when not forwarded. */
  from: { header: string } | { param: string };
}

function tokensOf(provider: JwtProviderConfig, context: FilterContext): FoundToken[] {
  const found: FoundToken[] = [];
  const headers = provider.fromHeaders.length > 0 || provider.fromParams.length > 0 ? provider.fromHeaders : [{ name: "authorization", prefix: "Bearer " }];
  const params = provider.fromHeaders.length > 0 || provider.fromParams.length > 0 ? provider.fromParams : ["access_token"];
  for (const header of headers) {
    const value = headerValue(context.request.headers, header.name);
    if (value === undefined) continue;
    if (header.prefix === "" || value.startsWith(header.prefix)) found.push({ token: value.slice(header.prefix.length).trim(), from: { header: header.name } });
  }
  const queryAt = context.request.path.indexOf("?");
  if (queryAt >= 0 && params.length > 0) {
    const query = new URLSearchParams(context.request.path.slice(queryAt + 1));
    for (const param of params) {
      const value = query.get(param);
      if (value) found.push({ token: value, from: { param } });
    }
  }
  return found;
}

export interface JwtRuntime {
  snapshot: GatewaySnapshot;
  sideCalls: SideCallTransport;
  state: FilterState;
}

async function fetchJwks(provider: JwtProviderConfig, runtime: JwtRuntime, now: number): Promise<CachedJwks["document"]> {
  if ("inline" in provider.jwks) return JSON.parse(provider.jwks.inline) as CachedJwks["document"];
  const remote = provider.jwks.remote;
  const cached = runtime.state.jwks.get(remote.uri);
  if (cached && now - cached.fetchedAt < remote.cacheMs) return cached.document;
  let pending = runtime.state.jwksFetches.get(remote.uri);
  if (!pending) {
    pending = (async () => {
      const cluster = runtime.snapshot.clusters.get(remote.cluster);
      if (!cluster) throw new Error(`JWKS cluster ${remote.cluster} not found`);
      const url = new URL(remote.uri);
      const response = await runtime.sideCalls.call(cluster, { method: "GET", path: `${url.pathname}${url.search}`, authority: url.host, headers: { accept: "application/json" }, timeoutMs: remote.timeoutMs });
      if (response.status !== 200) throw new Error(`JWKS fetch answered ${response.status}`);
      const entry = { document: JSON.parse(new TextDecoder().decode(response.body)) as CachedJwks["document"], fetchedAt: now };
      runtime.state.jwks.set(remote.uri, entry);
      return entry;
    })().finally(() => runtime.state.jwksFetches.delete(remote.uri));
    runtime.state.jwksFetches.set(remote.uri, pending);
  }
  return (await pending).document;
}

type Verification = { ok: true; payload: JWTPayload; token: FoundToken; provider: JwtProviderConfig } | { ok: false; missing: boolean; reason: string };

async function verifyWith(provider: JwtProviderConfig, context: FilterContext, runtime: JwtRuntime): Promise<Verification> {
  const tokens = tokensOf(provider, context);
  if (tokens.length === 0) return { ok: false, missing: true, reason: "Jwt is missing" };
  let document: CachedJwks["document"];
  try {
    document = await fetchJwks(provider, runtime, context.now());
  } catch {
    return { ok: false, missing: false, reason: "Jwks remote fetch is failed" };
  }
  const keys = createLocalJWKSet(document as Parameters<typeof createLocalJWKSet>[0]);
  const token = tokens[0]!;
  try {
    const { payload } = await jwtVerify(token.token, keys, {
      clockTolerance: CLOCK_SKEW_SECONDS,
      currentDate: new Date(context.now()),
      ...(provider.issuer ? { issuer: provider.issuer } : {}),
      ...(provider.audiences.length > 0 ? { audience: [...provider.audiences] } : {}),
    });
    return { ok: true, payload, token, provider };
  } catch (error) {
    if (error instanceof errors.JWTExpired) return { ok: false, missing: false, reason: "Jwt is expired" };
    if (error instanceof errors.JWTClaimValidationFailed && error.claim === "aud") return { ok: false, missing: false, reason: "Audiences in Jwt are not allowed" };
    if (error instanceof errors.JWTClaimValidationFailed && error.claim === "iss") return { ok: false, missing: false, reason: "Jwt issuer is not configured" };
    return { ok: false, missing: false, reason: "Jwt verification fails" };
  }
}

/** Evaluates a requirement tree; verified tokens are collected in `verified`. */
async function satisfies(requirement: Requirement, config: JwtConfig, context: FilterContext, runtime: JwtRuntime, verified: Verification[]): Promise<{ ok: boolean; reason: string }> {
  if ("provider" in requirement) {
    const provider = config.providers.get(requirement.provider);
    if (!provider) return { ok: false, reason: "Jwt verification fails" };
    const result = await verifyWith(provider, context, runtime);
    if (result.ok) verified.push(result);
    return { ok: result.ok, reason: result.ok ? "" : result.reason };
  }
  if ("allowMissing" in requirement || "allowMissingOrFailed" in requirement) {
    const anyToken = [...config.providers.values()].some((provider) => tokensOf(provider, context).length > 0);
    return { ok: "allowMissingOrFailed" in requirement || !anyToken, reason: "Jwt verification fails" };
  }
  const children = "any" in requirement ? requirement.any : requirement.all;
  let firstFailure = "";
  let anyOk = false;
  for (const child of children) {
    const result = await satisfies(child, config, context, runtime, verified);
    if (result.ok) anyOk = true;
    else if (!firstFailure || firstFailure === "Jwt is missing") firstFailure = result.reason;
    if ("all" in requirement && !result.ok) return result;
  }
  return "any" in requirement ? { ok: anyOk, reason: firstFailure } : { ok: true, reason: "" };
}

const claimText = (value: unknown): string => (typeof value === "string" ? value : typeof value === "number" || typeof value === "boolean" ? String(value) : JSON.stringify(value));

function removeToken(context: FilterContext, token: FoundToken): void {
  if ("header" in token.from) {
    delete context.request.headers[token.from.header];
    return;
  }
  const queryAt = context.request.path.indexOf("?");
  const query = new URLSearchParams(context.request.path.slice(queryAt + 1));
  query.delete(token.from.param);
  const rest = query.toString();
  context.request.path = `${context.request.path.slice(0, queryAt)}${rest ? `?${rest}` : ""}`;
}

/** Undefined: the request goes on (changed in place); else the 401 to send. */
export async function runJwtAuthn(config: JwtConfig, context: FilterContext, runtime: JwtRuntime): Promise<FilterReply | undefined> {
  const rule = config.rules.find((candidate) => candidate.match({ method: context.request.method, authority: context.request.authority, path: context.request.path, headers: context.request.headers }));
  if (!rule?.requirement) return undefined;
  const verified: Verification[] = [];
  const result = await satisfies(rule.requirement, config, context, runtime, verified);
  if (!result.ok) {
    const realm = `http://${context.request.authority}${context.request.path.split("?")[0]}`;
    const error = result.reason === "Jwt is missing" ? "" : `, error="invalid_token"`;
    return textReply(401, result.reason, "", { "www-authenticate": `Bearer realm="${realm}"${error}` });
  }
  for (const entry of verified) {
    if (!entry.ok) continue;
    for (const { claim, header } of entry.provider.claimToHeaders) {
      const value = claim.split(".").reduce<unknown>((at, part) => (at && typeof at === "object" ? (at as Record<string, unknown>)[part] : undefined), entry.payload);
      if (value !== undefined) context.request.headers[header] = claimText(value);
    }
    if (!entry.provider.forward) removeToken(context, entry.token);
  }
  return undefined;
}
