// The Envoys connected to a mesh's virtual nodes and gateways (GET /v1/xds/proxies), refreshed every two seconds:
// per xDS type the version last sent, the one the proxy accepted (ACK), and the last it rejected (NACK) with
// Envoy's error text. The first question when a change "did not take".
import { useEffect, useState } from "preact/hooks";
import { ApiError, request } from "../api/http.js";
import { ErrorAlert, Loading, PageHeader, formatTime } from "../components/page.js";
import { Link, pathOf } from "../router.js";
import { resourcePath } from "../resources.js";

/** One connected Envoy as GET /v1/xds/proxies answers it (the UI knows the HTTP API, not the server's modules). */
export interface ProxyStatus {
  streamId: number;
  protocol: "sotw" | "delta";
  nodeId: string;
  nodeCluster: string;
  userAgent: string;
  peerAddress: string;
  connectedSince: string;
  /** By type URL: the version last sent, the one ACKed, the last NACKed with Envoy's error. */
  types: Record<string, { sentVersion: string | null; ackedVersion: string | null; nackedVersion: string | null; lastNackError: string | null; lastNackAt: string | null }>;
}

const REFRESH_MS = 2000;

/** `mesh/<mesh>/virtualNode/<name>` or its ARN → the resource it names. */
export function proxyTarget(nodeId: string): { meshName: string; kind: "virtualNode" | "virtualGateway"; name: string } | null {
  const match = /(?:^|:)mesh\/([^/]+)\/(virtualNode|virtualGateway)\/([^/]+)$/.exec(nodeId);
  return match ? { meshName: match[1]!, kind: match[2] as "virtualNode" | "virtualGateway", name: match[3]! } : null;
}

const typeNames: Record<string, string> = {
  "type.googleapis.com/envoy.config.listener.v3.Listener": "Listeners (LDS)",
  "type.googleapis.com/envoy.config.cluster.v3.Cluster": "Clusters (CDS)",
  "type.googleapis.com/envoy.config.route.v3.RouteConfiguration": "Routes (RDS)",
  "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment": "Endpoints (EDS)",
  "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret": "Secrets (SDS)",
};

function stateOf(proxy: ProxyStatus): { label: string; tone: "ok" | "bad" | "wait" } {
  const types = Object.values(proxy.types);
  if (types.some((type) => type.nackedVersion !== null)) return { label: "Rejected a change", tone: "bad" };
  if (types.some((type) => type.sentVersion !== null && type.sentVersion !== type.ackedVersion)) return { label: "Applying", tone: "wait" };
  return { label: "In sync", tone: "ok" };
}

function ProxyCard({ proxy }: { proxy: ProxyStatus }) {
  const target = proxyTarget(proxy.nodeId);
  const state = stateOf(proxy);
  const headingId = `proxy-${proxy.streamId}`;
  return (
    <section class="card proxy" aria-labelledby={headingId}>
      <div class="card-header">
        <h2 id={headingId}>
          {target ? <Link to={resourcePath({ kind: target.kind, meshName: target.meshName, name: target.name })}>{target.name}</Link> : proxy.nodeId}
          <span class="muted">{` · stream ${proxy.streamId}`}</span>
        </h2>
        <span class={`badge badge-${state.tone}`}>{state.label}</span>
      </div>
      <dl class="metadata compact">
        <div>
          <dt>Node id</dt>
          <dd class="mono">{proxy.nodeId}</dd>
        </div>
        <div>
          <dt>Protocol</dt>
          <dd>{proxy.protocol === "delta" ? "Delta xDS" : "State of the world"}</dd>
        </div>
        <div>
          <dt>Peer</dt>
          <dd class="mono">{proxy.peerAddress}</dd>
        </div>
        <div>
          <dt>User agent</dt>
          <dd>{proxy.userAgent || "—"}</dd>
        </div>
        <div>
          <dt>Connected since</dt>
          <dd>{formatTime(proxy.connectedSince)}</dd>
        </div>
      </dl>
      <div class="table-wrap" role="region" aria-label={`xDS types of stream ${proxy.streamId}`} tabIndex={0}>
        <table>
          <caption class="visually-hidden">{`What stream ${proxy.streamId} was sent and accepted`}</caption>
          <thead>
            <tr>
              <th scope="col">Type</th>
              <th scope="col">Sent version</th>
              <th scope="col">ACKed version</th>
              <th scope="col">Last NACK</th>
            </tr>
          </thead>
          <tbody>
            {Object.entries(proxy.types).map(([typeUrl, type]) => (
              <tr class={type.nackedVersion ? "row-bad" : undefined}>
                <th scope="row">{typeNames[typeUrl] ?? typeUrl}</th>
                <td class="mono">{type.sentVersion ?? "—"}</td>
                <td class="mono">{type.ackedVersion ?? "—"}</td>
                <td>
                  {type.nackedVersion ? (
                    <div class="nack">
                      <span class="mono">{`Version ${type.nackedVersion}`}</span>
                      <span class="muted">{` at ${formatTime(type.lastNackAt ?? undefined)}`}</span>
                      <p class="nack-error">{type.lastNackError}</p>
                    </div>
                  ) : (
                    "—"
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

export function ProxiesPage({ meshName }: { meshName: string }) {
  const [proxies, setProxies] = useState<ProxyStatus[] | null>(null);
  const [error, setError] = useState<unknown>(undefined);
  const [paused, setPaused] = useState(false);
  const [updatedAt, setUpdatedAt] = useState<Date | null>(null);
  useEffect(() => {
    if (paused) return;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const controller = new AbortController();
    const poll = async () => {
      try {
        const answer = await request<{ proxies: ProxyStatus[] }>("GET", "/v1/xds/proxies", { signal: controller.signal });
        if (stopped) return;
        setProxies(answer.proxies.filter((proxy) => proxyTarget(proxy.nodeId)?.meshName === meshName).sort((a, b) => a.nodeId.localeCompare(b.nodeId) || a.streamId - b.streamId));
        setError(undefined);
        setUpdatedAt(new Date());
      } catch (caught) {
        if (stopped) return;
        setError(caught);
        // Refused (no permission) or absent (a Worker has no ADS): asking again would only fail again.
        if (caught instanceof ApiError && caught.status >= 400 && caught.status < 500) return;
      }
      if (!stopped) timer = setTimeout(poll, REFRESH_MS);
    };
    void poll();
    return () => {
      stopped = true;
      controller.abort();
      clearTimeout(timer);
    };
  }, [meshName, paused]);

  return (
    <>
      <PageHeader
        title="Proxies"
        crumbs={[{ label: "Meshes", to: "/" }, { label: meshName, to: pathOf("meshes", meshName) }, { label: "Proxies" }]}
        description="Envoys connected to this control plane for the mesh's virtual nodes and gateways, and what each accepted or rejected."
        actions={
          <button type="button" class="button-secondary" aria-pressed={paused} onClick={() => setPaused(!paused)}>
            {paused ? "Resume updates" : "Pause updates"}
          </button>
        }
      />
      <p class="status-line">
        <span class={`live-dot${paused ? " paused" : ""}`} aria-hidden="true" />
        {paused ? "Updates paused" : `Live, every ${REFRESH_MS / 1000} s`}
        {updatedAt && <span class="muted">{` · updated ${updatedAt.toLocaleTimeString()}`}</span>}
      </p>
      {error instanceof ApiError && error.status === 404 ? (
        <p class="empty-state">This control plane serves no ADS (a Cloudflare Worker serves the App Mesh API and the console only): no Envoy connects to it.</p>
      ) : (
        error !== undefined && <ErrorAlert error={error} title="Reading the proxy status failed" />
      )}
      {proxies === null ? (
        error === undefined && <Loading />
      ) : proxies.length === 0 ? (
        <p class="empty-state">{`No Envoy is connected for mesh ${meshName}. Envoys connect to ADS with node id mesh/${meshName}/virtualNode/<name>.`}</p>
      ) : (
        proxies.map((proxy) => <ProxyCard proxy={proxy} />)
      )}
    </>
  );
}

