// The ADS server behind functions/auth, for the tests of the pieces that split a stream's authorization and audit
// (the admission, the audit observer): the real startXdsServer on loopback, App Mesh translation of a mesh "apps"
// with virtual node serviceBv1, the auth admission and the ADS audit observer, an audit store in memory, and
// SigV4 metadata signed as the App Mesh Envoy image signs it.
import * as grpc from "@grpc/grpc-js";
import type { AuditEntry, AuditQuery, AuditRecord } from "../../db/store.js";
import { createAdsAuditObserver } from "../../functions/auth/ads-audit-observer.js";
import { ADS_METHOD_PATH, createAdsAuthorizer, type AdsAuthorizer } from "../../functions/auth/ads-authorizer.js";
import { createAdsAdmission } from "../../functions/auth/ads-admission.js";
import { createAuditLog, type AuditLog, type AuditStore } from "../../functions/auth/audit.js";
import { MutablePrincipalDirectory, parseAuthFile } from "../../functions/auth/principals.js";
import { EMPTY_PAYLOAD_SHA256 } from "../../functions/auth/sigv4.js";
import { appMeshTranslation, NodeIdError, type XdsObserver, type XdsTranslation } from "../../functions/xds/index.js";
import { startXdsServer, type RunningXdsServer } from "../../functions/xds/server/node-server.js";
import { createLocalChangeFeed } from "../../db/change-feed.js";
import type { Store } from "../../db/store.js";
import { testAccountId } from "../support/control-plane.js";
import { MakeMesh, MakeSnapshot, MakeVirtualNode } from "../xds/translate/fixtures.js";
import { createSigner, testAuthFile, type TestKey } from "./support.js";

/** A node cluster the translation refuses (NodeIdError), so that an admitted stream ends with INVALID_ARGUMENT. */
export const REFUSED_CLUSTER = "not-in-any-mesh";

export const serviceBv1 = "mesh/apps/virtualNode/serviceBv1";
export const arnOf = (nodeId: string) => `arn:aws:appmesh:us-east-1:${testAccountId}:${nodeId}`;

export interface MemoryAudit {
  audit: AuditLog;
  /** Every entry written, in order. */
  entries: AuditRecord[];
  /** The size of each store write (appendAudit call), in order. */
  writes: number[];
  /** Resolves once `entries` pass `test` (checked now and after each write). */
  until(test: (entries: AuditRecord[]) => boolean): Promise<void>;
  /** Holds the next write (only that one: later writes go through) until the returned function is called. */
  hold(): () => void;
}

/** The audit log over an AuditStore in memory. */
export function memoryAudit(): MemoryAudit {
  const entries: AuditRecord[] = [];
  const writes: number[] = [];
  const waiters = new Set<() => void>();
  let held: Promise<void> | null = null;
  const store: AuditStore = {
    async appendAudit(batch: AuditEntry[]) {
      const gate = held;
      held = null;
      if (gate) await gate;
      writes.push(batch.length);
      for (const entry of batch) entries.push({ ...entry, seq: entries.length + 1 });
      waiters.forEach((check) => check());
    },
    async listAudit(query: AuditQuery) {
      return entries.filter((entry) => entry.seq > query.afterSeq).slice(0, query.limit);
    },
  };
  return {
    audit: createAuditLog(store),
    entries,
    writes,
    until: (test) =>
      new Promise((resolve) => {
        const check = () => {
          if (!test(entries)) return;
          waiters.delete(check);
          resolve();
        };
        waiters.add(check);
        check();
      }),
    hold() {
      let release!: () => void;
      held = new Promise((resolve) => (release = resolve));
      return () => release();
    },
  };
}

export interface AuthorizedAds {
  xds: RunningXdsServer;
  /** "127.0.0.1:<port>" */
  target: string;
  authorizer: AdsAuthorizer;
  audit: MemoryAudit;
  close(): Promise<void>;
}

/** The ADS server with the auth admission and the ADS audit observer in front, as functions/node.ts wires them. */
export async function startAuthorizedAds(options: { proxyQuota?: number; observers?: XdsObserver[] } = {}): Promise<AuthorizedAds> {
  const directory = new MutablePrincipalDirectory();
  directory.replaceFileContent(await parseAuthFile(JSON.stringify(testAuthFile)));
  const scope = { region: "us-east-1", accountId: testAccountId };
  const audit = memoryAudit();
  const authorizer = createAdsAuthorizer({ directory, scope, proxyQuota: options.proxyQuota ?? 50, audit: audit.audit });
  const appMesh = appMeshTranslation();
  const translation: XdsTranslation = {
    identify(node) {
      if (node.cluster === REFUSED_CLUSTER) throw new NodeIdError(`node ${node.id} names cluster ${REFUSED_CLUSTER}`);
      return appMesh.identify(node);
    },
    forSnapshot: (snapshot) => appMesh.forSnapshot(snapshot),
  };
  const snapshot = MakeSnapshot({ mesh: MakeMesh({}, "apps"), virtualNodes: [MakeVirtualNode("serviceBv1", {}, "apps")] });
  const feed = createLocalChangeFeed();
  const xds = await startXdsServer({
    host: "127.0.0.1",
    port: 0,
    store: {} as Store,
    feeds: [feed],
    translation,
    loadSnapshot: async (meshName) => (meshName === "apps" ? snapshot : null),
    admission: createAdsAdmission(authorizer),
    observers: [createAdsAuditObserver({ audit: audit.audit, scope }), ...(options.observers ?? [])],
  });
  return {
    xds,
    target: `127.0.0.1:${xds.port}`,
    authorizer,
    audit,
    async close() {
      await xds.close();
      await feed.close();
    },
  };
}

/** gRPC metadata for a stream of `method` to `target`, signed as Envoy's aws_iam call credentials sign it. */
export async function signedAdsMetadata(key: TestKey, target: string, method: "StreamAggregatedResources" | "DeltaAggregatedResources" = "StreamAggregatedResources"): Promise<grpc.Metadata> {
  const [hostname, port] = target.split(":") as [string, string];
  const signed = await createSigner(key).sign({
    method: "POST",
    protocol: "http:",
    hostname,
    port: Number(port),
    path: method === "StreamAggregatedResources" ? ADS_METHOD_PATH : ADS_METHOD_PATH.replace("StreamAggregatedResources", method),
    query: {},
    headers: { host: target, "x-amz-content-sha256": EMPTY_PAYLOAD_SHA256 },
  });
  const metadata = new grpc.Metadata();
  for (const [name, value] of Object.entries(signed.headers)) if (name !== "host") metadata.set(name, value);
  return metadata;
}

export function bearerMetadata(token: string): grpc.Metadata {
  const metadata = new grpc.Metadata();
  metadata.set("authorization", `Bearer ${token}`);
  return metadata;
}
