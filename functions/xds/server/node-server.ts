// The ADS server on Node: gRPC over HTTP/2 cleartext on XDS_PORT (ads-http2.ts), HTTP/2 keepalive pings, and a
// graceful shutdown that ends every stream with status 0 (OK) before closing the sessions.
import http2 from "node:http2";
import type { Hono } from "hono";
import type { ChangeFeed } from "../../../db/change-feed.js";
import type { Store } from "../../../db/store.js";
import type { MeshSnapshot } from "../../appmesh/snapshot.js";
import type { SnapshotLoadOptions } from "../../appmesh/index.js";
import { createXdsCache, type XdsCache } from "../cache/cache.js";
import { createTimeSlicing, type TimeSlicing } from "../cache/time-slicer.js";
import { appMeshTranslation } from "../cache/translation.js";
import type { XdsTranslation } from "../cache/types.js";
import { createRestXdsApp } from "../rest-xds.js";
import { createConfigDumpApp } from "../config-dump-app.js";
import { createExplainApp } from "../explain-app.js";
import { loadCore } from "../../../core-wasm/node.js";
import type { Core } from "../../../core-wasm/index.js";
import { createLintApp } from "../lint-app.js";
import { createAdsHttp2Handler } from "./ads-http2.js";
import { createAdsService, type AdsAdmission, type AdsService } from "./ads-service.js";
import { XdsMetrics } from "./metrics.js";
import type { XdsObserver } from "./observer.js";
import { ProxyRegistry } from "./proxies.js";
import { createMetricsApp, createXdsStatusApp } from "./status.js";

export interface XdsServerOptions {
  host: string;
  /** 0 picks a free port; read it back from `RunningXdsServer.port`. */
  port: number;
  store: Store;
  /** In-process and cross-process change feeds. */
  feeds: readonly ChangeFeed[];
  /** Defaults to meshplane's App Mesh translation. */
  translation?: XdsTranslation;
  /** Defaults to `loadMeshSnapshot(store, name, snapshotOptions)`; given, every change reads the mesh whole through it. */
  loadSnapshot?: (meshName: string) => Promise<MeshSnapshot | null>;
  /** How the default whole and incremental reads load a snapshot (the ACM material its TLS names). */
  snapshotOptions?: SnapshotLoadOptions;
  /** Interval of HTTP/2 PINGs on idle-or-not sessions (default 30 s); a session whose PING is unanswered for `keepaliveTimeoutMs` (default 20 s) is destroyed. */
  keepaliveMs?: number;
  keepaliveTimeoutMs?: number;
  /** How long `close()` waits for streams to flush their final status before destroying sessions (default 5 s). */
  shutdownGraceMs?: number;
  controlPlaneId?: string;
  /** Admits each ADS stream on its first request (e.g. functions/auth's stream authorization); without it all are served. */
  admission?: AdsAdmission;
  /** Told of ADS stream and REST xDS events after the server's own metrics and proxy registry. */
  observers?: readonly XdsObserver[];
  /** The routing core `POST /v1/xds/explain` matches with (default: core-wasm's build, loaded once). */
  core?: Core;
  /** Back-off of retried mesh loads (see XdsCacheOptions). */
  reloadBackoff?: { initialMs?: number; maxMs?: number };
  /**
   * Shared by re-translation and the push queue; the process's API marks its requests as foreground work on it, so
   * that both give way to them. Default: one of the server's own.
   */
  timeSlicing?: TimeSlicing;
}

export interface RunningXdsServer {
  port: number;
  cache: XdsCache;
  /** The ADS service: open streams, and how often responses were encoded and reused. */
  ads: Pick<AdsService, "size" | "encodings" | "flushes">;
  metrics: XdsMetrics;
  proxies: ProxyRegistry;
  /** Status, lint, config dump, explain and REST xDS routes, for the REST API to mount at `/`. */
  httpApp: Hono;
  /** `GET /metrics`, for the REST API (behind its authentication) or a metrics listener of its own to mount. */
  metricsApp: Hono;
  close(): Promise<void>;
}

export async function startXdsServer(options: XdsServerOptions): Promise<RunningXdsServer> {
  const metrics = new XdsMetrics();
  const timeSlicing = options.timeSlicing ?? createTimeSlicing();
  const proxies = new ProxyRegistry();
  const cache = createXdsCache({
    store: options.store,
    translation: options.translation ?? appMeshTranslation(),
    ...(options.loadSnapshot ? { loadSnapshot: options.loadSnapshot } : {}),
    ...(options.snapshotOptions ? { snapshotOptions: options.snapshotOptions } : {}),
    feeds: options.feeds,
    onTranslate: ({ nodes, durationMs }) => {
      metrics.translation.observe(durationMs / 1000);
      metrics.translatedNodes.inc({}, nodes);
    },
    onError: (error, meshName) => {
      metrics.reloadErrors.inc();
      console.error(`meshplane xds: reloading mesh ${meshName} failed (retrying with back-off):`, error instanceof Error ? error.message : error);
    },
    ...(options.reloadBackoff ? { reloadBackoff: options.reloadBackoff } : {}),
    timeSlicing,
  });
  const observers = [metrics, proxies, ...(options.observers ?? [])];
  const controlPlaneId = options.controlPlaneId ? { controlPlaneId: options.controlPlaneId } : {};
  const ads = createAdsService({ cache, observers, timeSlicing, ...controlPlaneId, ...(options.admission ? { admission: options.admission } : {}) });
  metrics.gauges = () => {
    const stats = cache.stats();
    return { connectedProxies: proxies.size, cachedNodes: stats.nodes, meshes: stats.meshes, oldestPendingChangeSeconds: stats.oldestPendingChangeSeconds, lintWarnings: cache.lintCounts() };
  };

  const server = http2.createServer({ settings: { maxConcurrentStreams: 100_000 } });
  server.on("stream", createAdsHttp2Handler(ads));
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on("session", (session) => {
    sessions.add(session);
    session.on("close", () => sessions.delete(session));
    session.on("error", () => session.destroy());
  });

  const keepaliveMs = options.keepaliveMs ?? 30_000;
  const keepaliveTimeoutMs = options.keepaliveTimeoutMs ?? 20_000;
  const keepalive = setInterval(() => {
    for (const session of sessions) {
      if (session.destroyed || session.closed) continue;
      const timer = setTimeout(() => session.destroy(), keepaliveTimeoutMs);
      timer.unref();
      try {
        session.ping((error) => {
          clearTimeout(timer);
          if (error && !session.destroyed) session.destroy();
        });
      } catch {
        clearTimeout(timer);
      }
    }
  }, keepaliveMs);
  keepalive.unref();

  const port = await new Promise<number>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      server.off("error", reject);
      const address = server.address();
      resolve(typeof address === "object" && address ? address.port : options.port);
    });
  });

  const statusApp = createXdsStatusApp({ proxies, cache });
  const restApp = createRestXdsApp({ cache, observers, ...controlPlaneId });
  statusApp.route("/", restApp);
  statusApp.route("/", createConfigDumpApp({ cache }));
  statusApp.route("/", createExplainApp({ cache, core: options.core ?? loadCore() }));
  statusApp.route("/", createLintApp({ cache }));

  let closing: Promise<void> | null = null;
  return {
    port,
    cache,
    ads,
    metrics,
    proxies,
    httpApp: statusApp,
    metricsApp: createMetricsApp(metrics),
    close() {
      closing ??= (async () => {
        clearInterval(keepalive);
        ads.drain();
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        const grace = options.shutdownGraceMs ?? 5_000;
        const deadline = Date.now() + grace;
        // Each drained stream ends with grpc-status 0; give the trailers a moment to leave before GOAWAY.
        while (ads.size > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
        await new Promise((resolve) => setTimeout(resolve, 20));
        for (const session of sessions) session.close();
        const timer = setTimeout(() => sessions.forEach((session) => session.destroy()), Math.max(0, deadline - Date.now()));
        await closed;
        clearTimeout(timer);
        cache.close();
      })();
      return closing;
    },
  };
}
