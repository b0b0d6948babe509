// Envoy proxy authorization for ADS, as App Mesh did it: a stream must carry SigV4-signed gRPC metadata (the App
// Mesh Envoy image's aws_iam call credentials, docs/authentication.md §4) or a bearer token; its principal needs
// appmesh:StreamAggregatedResources on the node's virtual node or virtual gateway ARN; each such ARN may have at
// most `proxyQuota` Envoys connected at once. Failures carry the gRPC status the stream must end with.
//
// The audit trail of a stream has one writer per event: this authorizer records each refusal (the stream is never
// served); the ADS audit observer (ads-audit-observer.ts) records the connect of each stream it allowed, once the
// stream names its node, and its disconnect with the status it ended with.
import { parseNodeId } from "../envoy/index.js";
import { AuthError } from "./auth-error.js";
import { LOCAL_RELAY_HEADER } from "./ads-relay-header.js";
import { timingSafeEqual } from "./sigv4.js";
import type { AuditLog } from "./audit.js";
import { createAuthenticator, type Authenticated } from "./authenticator.js";
import { authorize, forbidden, type AuthorizationTarget, type TagSource } from "./authorizer.js";
import type { ArnScope } from "./operations.js";
import type { PrincipalDirectory } from "./principals.js";

/** gRPC status codes used here (https://grpc.github.io/grpc/core/md_doc_statuscodes.html). */
export const grpcStatus = { invalidArgument: 3, permissionDenied: 7, resourceExhausted: 8, unauthenticated: 16 } as const;

/** The ADS method path Envoy signs as the request path. */
export const ADS_METHOD_PATH = "/envoy.service.discovery.v3.AggregatedDiscoveryService/StreamAggregatedResources";

export type StreamAuthorization =
  | {
      ok: true;
      /** The principal's name; "anonymous" in open mode. */
      principal: string;
      /** How the principal proved itself (an access key id, "bearer", "unix-socket"); "" in open mode. */
      credential: string;
      /** The node's ARN the stream was authorised on. */
      resource: string;
      /** Call when the stream ends: frees the quota slot. Later calls do nothing. */
      release(): void;
    }
  | { ok: false; code: (typeof grpcStatus)[keyof typeof grpcStatus]; message: string };

/** Stream metadata: a Fetch `Headers`, or Node/grpc-js style records (array values are joined with ","). */
export type StreamHeaders = Headers | Record<string, string | string[] | undefined>;

export interface StreamContext {
  /** The request's :authority (what Envoy signed as `host`); defaults to the `host` header. */
  authority?: string;
  /** gRPC method path; defaults to the ADS method. */
  path?: string;
  /** Peer address, for the audit entry of a refusal. */
  peer?: string;
}

export interface AdsAuthorizerOptions {
  /** `null`: open mode (no signature needed; the quota and the audit log still apply). */
  directory: PrincipalDirectory | null;
  scope: ArnScope;
  proxyQuota: number;
  audit?: AuditLog;
  tags?: TagSource;
  signingName?: string;
  now?: () => number;
  /**
   * Streams relayed from meshplane's Unix socket carry this token (ads-relay.ts); they are served without a
   * signature, as principal `local-socket`, the socket's file permissions being their access control.
   */
  localToken?: string;
}

export interface AdsAuthorizer {
  /**
   * Decides whether a new ADS stream for `nodeId` may be served. Call it on the first DiscoveryRequest (the
   * node id arrives there); on `ok: false` end the stream with `code`/`message` (the refusal is already audited);
   * on `ok: true` serve it as the verdict's principal and call `release()` when the stream ends.
   * @example
   * const verdict = await authorizer.authorizeStream(requestHeaders, request.node.id, { authority, peer });
   * if (!verdict.ok) throw new ConnectError(verdict.message, verdict.code); // Connect's Code values are gRPC's
   */
  authorizeStream(headers: StreamHeaders, nodeId: string, context?: StreamContext): Promise<StreamAuthorization>;
  /** Envoys connected per node ARN (for status pages and tests). */
  connected(resource: string): number;
}

/** The ARN of the virtual node or gateway an Envoy node id names (bare `mesh/<m>/<kind>/<name>` or an ARN). */
export function nodeArn(nodeId: string, scope: ArnScope): string | { error: string } {
  const node = parseNodeId(nodeId);
  if ("error" in node) return node;
  return `arn:aws:appmesh:${node.region ?? scope.region}:${node.account ?? scope.accountId}:mesh/${node.meshName}/${node.kind}/${node.name}`;
}

function headerLookup(headers: StreamHeaders): (name: string) => string | undefined {
  if (typeof (headers as Headers).get === "function" && typeof (headers as Headers).has === "function") {
    return (name) => (headers as Headers).get(name) ?? undefined;
  }
  const lower = new Map<string, string>();
  for (const [key, value] of Object.entries(headers as Record<string, string | string[] | undefined>)) {
    if (value === undefined) continue;
    lower.set(key.toLowerCase(), Array.isArray(value) ? value.join(",") : value);
  }
  return (name) => lower.get(name);
}

type StreamRefusal = Extract<StreamAuthorization, { ok: false }>;

const action = "appmesh:StreamAggregatedResources";

export function createAdsAuthorizer(options: AdsAuthorizerOptions): AdsAuthorizer {
  const authenticator = options.directory
    ? createAuthenticator({ directory: options.directory, ...(options.signingName ? { signingName: options.signingName } : {}), ...(options.now ? { now: options.now } : {}) })
    : null;
  const now = options.now ?? Date.now;
  const connections = new Map<string, number>();

  /** Audits a refusal; `who` is null when the stream's credentials proved no one. */
  const refuse = async (who: Authenticated | null, resource: string, errorCode: string, peer: string | undefined, code: StreamRefusal["code"], message: string): Promise<StreamRefusal> => {
    await options.audit?.record({
      at: now(),
      requestId: "",
      principal: who?.principal.name ?? "",
      credential: who?.credential ?? "",
      sourceAddress: peer ?? "unknown",
      action,
      resource,
      outcome: code === grpcStatus.permissionDenied || code === grpcStatus.unauthenticated ? "denied" : errorCode,
      errorCode,
    });
    return { ok: false, code, message };
  };

  return {
    connected: (resource) => connections.get(resource) ?? 0,

    async authorizeStream(headers, nodeId, context = {}) {
      const arn = nodeArn(nodeId, options.scope);
      // An unparsable node id is audited as sent.
      const audited = typeof arn === "string" ? arn : nodeId;
      // Who is asking is settled first, so that every refusal is audited with the principal when there is one.
      let who: Authenticated | null = null;
      /** Proved by a signature or a bearer token: its policies decide. */
      let signed: Authenticated | null = null;
      const header = headerLookup(headers);
      const relayed = header(LOCAL_RELAY_HEADER);
      if (relayed !== undefined && options.localToken !== undefined && timingSafeEqual(relayed, options.localToken)) {
        who = { principal: { name: "local-socket", admin: false, policies: [] }, credential: "unix-socket" };
      } else if (authenticator) {
        const authority = context.authority ?? header(":authority") ?? header("host");
        const result = await authenticator.authenticate({
          request: {
            method: "POST",
            path: context.path ?? ADS_METHOD_PATH,
            query: "",
            header: (name) => (name === "host" ? authority : header(name)),
          },
        });
        if (result === null) return refuse(null, audited, "MissingAuthenticationTokenException", context.peer, grpcStatus.unauthenticated, "Missing Authentication Token");
        if (result instanceof AuthError) return refuse(null, audited, result.name, context.peer, grpcStatus.unauthenticated, `${result.name}: ${result.message}`);
        who = signed = result;
      }

      if (typeof arn !== "string") return refuse(who, audited, "InvalidArgument", context.peer, grpcStatus.invalidArgument, arn.error);
      const resource = arn;
      if (signed) {
        const request: AuthorizationTarget = { action, resource, context: new Map() };
        const decision = await authorize(signed.principal, request, options.tags);
        if (decision.effect === "Deny") return refuse(who, resource, "PermissionDenied", context.peer, grpcStatus.permissionDenied, forbidden(signed.principal, request, decision).message);
      }

      const count = connections.get(resource) ?? 0;
      if (count >= options.proxyQuota) {
        return refuse(who, resource, "ResourceExhausted", context.peer, grpcStatus.resourceExhausted, `${resource} already has ${count} connected Envoys (quota ${options.proxyQuota}).`);
      }
      connections.set(resource, count + 1);
      let released = false;
      return {
        ok: true,
        principal: who?.principal.name ?? "anonymous",
        credential: who?.credential ?? "",
        resource,
        release() {
          if (released) return;
          released = true;
          const left = (connections.get(resource) ?? 1) - 1;
          if (left <= 0) connections.delete(resource);
          else connections.set(resource, left);
        },
      };
    },
  };
}
