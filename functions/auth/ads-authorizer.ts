// Envoy proxy authorization for ADS, as App Mesh did it: a stream must carry SigV4-signed gRPC metadata (the App
// Mesh Envoy image's aws_iam call credentials, docs/authentication.md §4) or a bearer token; its principal needs
// appmesh:StreamAggregatedResources on the node's virtual node or virtual gateway ARN; each such ARN may have at
// most `proxyQuota` Envoys connected at once. Failures carry the gRPC status the stream must end with.
import { parseNodeId } from "../envoy/index.js";
import { AuthError } from "./auth-error.js";
import { LOCAL_RELAY_HEADER } from "./ads-relay-header.js";
import { timingSafeEqual } from "./sigv4.js";
import type { AuditLog } from "./audit.js";
import { createAuthenticator, type Authenticated } from "./authenticator.js";
import { authorize, forbidden, type TagSource } from "./authorizer.js";
import type { ArnScope } from "./operations.js";
import type { PrincipalDirectory } from "./principals.js";

/** gRPC status codes used here (https://grpc.github.io/grpc/core/md_doc_statuscodes.html). */
export const grpcStatus = { invalidArgument: 3, permissionDenied: 7, resourceExhausted: 8, unauthenticated: 16 } as const;

/** The ADS method path Envoy signs as the request path. */
export const ADS_METHOD_PATH = "/envoy.service.discovery.v3.AggregatedDiscoveryService/StreamAggregatedResources";

export type StreamAuthorization =
  | {
      ok: true;
      principal: string;
      /** The node's ARN the stream was authorised on. */
      resource: string;
      /** Call exactly once when the stream ends: frees the quota slot and audits the disconnect. */
      release(): Promise<void>;
    }
  | { ok: false; code: (typeof grpcStatus)[keyof typeof grpcStatus]; message: string };

/** Stream metadata: a Fetch `Headers`, or Node/grpc-js style records (array values are joined with ","). */
export type StreamHeaders = Headers | Record<string, string | string[] | undefined>;

export interface StreamContext {
  /** The request's :authority (what Envoy signed as `host`); defaults to the `host` header. */
  authority?: string;
  /** gRPC method path; defaults to the ADS method. */
  path?: string;
  /** Peer address, for the audit log. */
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
   * node id arrives there); on `ok: false` end the stream with `code`/`message`; on `ok: true` call `release()`
   * when the stream ends.
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

export function createAdsAuthorizer(options: AdsAuthorizerOptions): AdsAuthorizer {
  const authenticator = options.directory
    ? createAuthenticator({ directory: options.directory, ...(options.signingName ? { signingName: options.signingName } : {}), ...(options.now ? { now: options.now } : {}) })
    : null;
  const now = options.now ?? Date.now;
  const connections = new Map<string, number>();

  const record = async (who: Authenticated | null, action: string, resource: string, outcome: string, errorCode: string, peer: string | undefined) =>
    options.audit?.record({
      at: now(),
      requestId: "",
      principal: who?.principal.name ?? "",
      credential: who?.credential ?? "",
      sourceAddress: peer ?? "unknown",
      action,
      resource,
      outcome,
      errorCode,
    });

  return {
    connected: (resource) => connections.get(resource) ?? 0,

    async authorizeStream(headers, nodeId, context = {}) {
      const action = "appmesh:StreamAggregatedResources";
      const resource = nodeArn(nodeId, options.scope);
      if (typeof resource !== "string") return { ok: false, code: grpcStatus.invalidArgument, message: resource.error };

      let who: Authenticated | null = null;
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
        if (result === null || result instanceof AuthError) {
          const message = result === null ? "Missing Authentication Token" : `${result.name}: ${result.message}`;
          await record(null, action, resource, "denied", result === null ? "MissingAuthenticationTokenException" : result.name, context.peer);
          return { ok: false, code: grpcStatus.unauthenticated, message };
        }
        who = result;
        const decision = await authorize(result.principal, { action, resource, context: new Map() }, options.tags);
        if (decision.effect === "Deny") {
          await record(who, action, resource, "denied", "PermissionDenied", context.peer);
          return { ok: false, code: grpcStatus.permissionDenied, message: forbidden(result.principal, { action, resource, context: new Map() }, decision).message };
        }
      }

      const count = connections.get(resource) ?? 0;
      if (count >= options.proxyQuota) {
        await record(who, action, resource, "ResourceExhausted", "ResourceExhausted", context.peer);
        return { ok: false, code: grpcStatus.resourceExhausted, message: `${resource} already has ${count} connected Envoys (quota ${options.proxyQuota}).` };
      }
      connections.set(resource, count + 1);
      await record(who, action, resource, "allowed", "", context.peer);
      let released = false;
      return {
        ok: true,
        principal: who?.principal.name ?? "anonymous",
        resource,
        async release() {
          if (released) return;
          released = true;
          const left = (connections.get(resource) ?? 1) - 1;
          if (left <= 0) connections.delete(resource);
          else connections.set(resource, left);
          await record(who, "meshplane:StreamClosed", resource, "allowed", "", context.peer);
        },
      };
    },
  };
}
