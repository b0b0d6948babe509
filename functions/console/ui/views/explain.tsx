// Route explain in the browser: a request in (method, authority, path, headers), out the listener, virtual host,
// route and clusters with weights that would serve it, and why each earlier route did not match. It runs core-wasm
// here, against the config dump of the chosen node: the same module and the same tables as the gateway and as
// `POST /v1/xds/explain`, so the answer is what the proxies do.
import { useEffect, useMemo, useState } from "preact/hooks";
import { instantiateCore, type Core } from "../../../../core-wasm/index.js";
import { explainRequest, readConfigDump, type Explanation } from "../../../xds/explain/index.js";
import { kindDescriptors, listAll } from "../api/appmesh.js";
import { errorText } from "../api/http.js";
import { DataTable } from "../components/data-table.js";
import { KeyValueList, type KeyValue } from "../components/key-value-list.js";
import { Alert, ErrorAlert, Loading, PageHeader, Section } from "../components/page.js";
import { useAsync } from "../components/use-async.js";
import { fetchConfigDump, type ConfigDump } from "./config-dump.js";
import { pathOf } from "../router.js";

let corePromise: Promise<Core> | undefined;

/** core-wasm, compiled once per page from its hashed URL (CSP allows exactly this: 'wasm-unsafe-eval'). */
function loadCore(): Promise<Core> {
  corePromise ??= WebAssembly.compileStreaming(fetch(MESHPLANE_CORE_WASM_URL)).then((module) => instantiateCore(module));
  return corePromise;
}

const METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];

interface Answer {
  explanation: Explanation;
  dump: ConfigDump;
}

const outcomeText: Record<Explanation["outcome"], string> = {
  routed: "Routed",
  tcp_proxy: "TCP proxy",
  no_listener: "No listener",
  no_filter_chain: "No filter chain",
  not_http: "Not HTTP",
  no_route_configuration: "No route configuration",
  unsupported_route_configuration: "Cannot evaluate",
  no_virtual_host: "No virtual host (404)",
  no_route: "No route matched (404)",
  no_cluster: "No cluster",
};

function AnswerView({ answer }: { answer: Answer }) {
  const e = answer.explanation;
  const steps: Array<[string, string | null]> = [
    ["Listener", e.listener ? `${e.listener.name} (${e.listener.direction.toLowerCase()}${e.listener.port !== null ? `, port ${e.listener.port}` : ""})` : null],
    ["Filter chain", e.filterChain ? `${e.filterChain.name}${e.filterChain.destinationPort !== null ? ` (destination port ${e.filterChain.destinationPort})` : ""}` : null],
    ["Route configuration", e.routeConfiguration ? `${e.routeConfiguration.name}${e.routeConfiguration.version ? ` (version ${e.routeConfiguration.version})` : ""}` : null],
    ["Path matched", e.routeConfiguration ? e.path : null],
    ["Virtual host", e.virtualHost ? `${e.virtualHost.name} (domains ${e.virtualHost.domains.join(", ")})` : null],
    ["Route", e.route ? e.route.name : null],
  ];
  return (
    <Section title="Answer" id="explain-answer">
      <div class="explain-summary" role="status">
        <span class={`badge ${e.outcome === "routed" || e.outcome === "tcp_proxy" ? "badge-ok" : "badge-bad"}`}>{outcomeText[e.outcome]}</span>
        <p>{e.summary}</p>
      </div>
      <dl class="metadata">
        {steps.map(([label, value]) => (
          <div>
            <dt>{label}</dt>
            <dd class={value ? "mono" : "muted"}>{value ?? "—"}</dd>
          </div>
        ))}
      </dl>
      {e.clusters.length > 0 && (
        <>
          <h3>Target clusters</h3>
          <ul class="weights">
            {e.clusters.map((cluster) => (
              <li>
                <span class="mono">{cluster.name}</span>
                <span class="weight-bar" aria-hidden="true">
                  <span style={{ width: `${cluster.percent}%` }} />
                </span>
                <span>{`weight ${cluster.weight} · ${cluster.percent}%`}</span>
              </li>
            ))}
          </ul>
        </>
      )}
      {e.routes.length > 0 && (
        <>
          <h3>Routes tried, in order</h3>
          <DataTable
            caption="Routes tried, in order"
            rowKey={(route) => `${route.index}`}
            rows={e.routes}
            empty=""
            columns={[
              { header: "#", cell: (route) => route.index + 1, numeric: true },
              { header: "Route", cell: (route) => <span class="mono">{route.name}</span> },
              { header: "Result", cell: (route) => <span class={`badge ${route.matched ? "badge-ok" : "badge-muted"}`}>{route.matched ? "Matched" : "Did not match"}</span> },
              { header: "Why not", cell: (route) => route.reason ?? "—" },
            ]}
          />
        </>
      )}
      <p class="muted footnote">{`Evaluated in this browser by core-wasm against the configuration ${answer.dump.node} is served (mesh revision ${answer.dump.meshRevision}).`}</p>
    </Section>
  );
}

export function ExplainPage({ meshName }: { meshName: string }) {
  const params = new URLSearchParams(location.search);
  const initialNode = params.get("virtualGateway") ? `virtualGateway/${params.get("virtualGateway")}` : params.get("virtualNode") ? `virtualNode/${params.get("virtualNode")}` : "";
  const targets = useAsync(async (signal) => {
    const [nodes, gateways] = await Promise.all([listAll("virtualNode", { meshName }, signal), listAll("virtualGateway", { meshName }, signal)]);
    return {
      virtualNode: nodes.map((ref) => ref[kindDescriptors.virtualNode.nameMember] as string),
      virtualGateway: gateways.map((ref) => ref[kindDescriptors.virtualGateway.nameMember] as string),
    };
  }, [meshName]);
  const [node, setNode] = useState(initialNode);
  const [listener, setListener] = useState("");
  const [method, setMethod] = useState("GET");
  const [authority, setAuthority] = useState("");
  const [path, setPath] = useState("/");
  const [port, setPort] = useState("");
  const [headers, setHeaders] = useState<KeyValue[]>([]);
  const [answer, setAnswer] = useState<Answer | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const nodeId = node === "" ? "" : `mesh/${meshName}/${node}`;
  const dump = useAsync((signal) => (nodeId === "" ? Promise.resolve(null) : fetchConfigDump(nodeId, signal)), [nodeId]);
  const listeners = useMemo(() => (dump.data ? readConfigDump(dump.data).listeners : []), [dump.data]);
  useEffect(() => {
    if (node === "" && targets.data) {
      const first = targets.data.virtualNode[0] ? `virtualNode/${targets.data.virtualNode[0]}` : targets.data.virtualGateway[0] ? `virtualGateway/${targets.data.virtualGateway[0]}` : "";
      setNode(first);
    }
  }, [targets.data]);

  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setFailure(null);
    try {
      // A fresh dump for every question: the answer is about what the node is served now.
      const [core, current] = await Promise.all([loadCore(), fetchConfigDump(nodeId)]);
      const headerRecord: Record<string, string[]> = {};
      for (const header of headers) if (header.key.trim() !== "") (headerRecord[header.key.trim().toLowerCase()] ??= []).push(header.value);
      const portNumber = port.trim() === "" ? undefined : Number(port);
      const explanation = explainRequest(current, { ...(listener ? { listener } : {}), ...(portNumber !== undefined ? { port: portNumber } : {}), request: { method, authority: authority.trim(), path, headers: headerRecord } }, core);
      setAnswer({ explanation, dump: current });
    } catch (error) {
      setFailure(errorText(error));
    }
    setBusy(false);
  };

  const header = (
    <PageHeader
      title="Explain"
      crumbs={[{ label: "Meshes", to: "/" }, { label: meshName, to: pathOf("meshes", meshName) }, { label: "Explain" }]}
      description="Which route and clusters a proxy would pick for a request, and why the routes before it did not match."
    />
  );
  if (targets.error !== undefined) return <>{header}<ErrorAlert error={targets.error} /></>;
  if (!targets.data) return <>{header}<Loading /></>;
  if (targets.data.virtualNode.length === 0 && targets.data.virtualGateway.length === 0) return <>{header}<p class="empty-state">This mesh has no virtual nodes or gateways to explain.</p></>;
  return (
    <>
      {header}
      <form class="card explain-form" onSubmit={submit} noValidate>
        <div class="form-grid">
          <div class="field">
            <label for="explain-node">Proxy</label>
            <select id="explain-node" value={node} onChange={(event) => { setNode(event.currentTarget.value); setListener(""); setAnswer(null); }}>
              {(["virtualNode", "virtualGateway"] as const).map((kind) =>
                targets.data![kind].length === 0 ? null : (
                  <optgroup label={kind === "virtualNode" ? "Virtual nodes" : "Virtual gateways"}>
                    {targets.data![kind].map((name) => (
                      <option value={`${kind}/${name}`}>{name}</option>
                    ))}
                  </optgroup>
                ),
              )}
            </select>
          </div>
          <div class="field">
            <label for="explain-listener">Listener</label>
            <select id="explain-listener" value={listener} onChange={(event) => setListener(event.currentTarget.value)}>
              <option value="">{node.startsWith("virtualGateway/") ? "Automatic: inbound" : "Automatic: outbound"}</option>
              {listeners.map((entry) => (
                <option value={entry.name}>{`${entry.name} (${entry.direction.toLowerCase()})`}</option>
              ))}
            </select>
          </div>
          <div class="field">
            <label for="explain-method">Method</label>
            <select id="explain-method" value={method} onChange={(event) => setMethod(event.currentTarget.value)}>
              {METHODS.map((name) => (
                <option value={name}>{name}</option>
              ))}
            </select>
          </div>
          <div class="field">
            <label for="explain-authority">Authority</label>
            <input id="explain-authority" type="text" spellcheck={false} autoComplete="off" placeholder="serviceb.apps.local:80" value={authority} onInput={(event) => setAuthority(event.currentTarget.value)} aria-describedby="explain-authority-hint" />
            <p class="hint" id="explain-authority-hint">The Host header, with the port when it is not 80.</p>
          </div>
          <div class="field">
            <label for="explain-path">Path</label>
            <input id="explain-path" type="text" spellcheck={false} autoComplete="off" value={path} onInput={(event) => setPath(event.currentTarget.value)} />
          </div>
          <div class="field">
            <label for="explain-port">
              Destination port<span class="optional"> – optional</span>
            </label>
            <input id="explain-port" type="number" inputMode="numeric" min={1} max={65535} value={port} onInput={(event) => setPort(event.currentTarget.value)} aria-describedby="explain-port-hint" />
            <p class="hint" id="explain-port-hint">Picks the filter chain; defaults to the authority's port.</p>
          </div>
        </div>
        <KeyValueList legend="Headers" item="header" keyWord="name" idPrefix="explain-header" entries={headers} onChange={setHeaders} />
        <div class="form-actions">
          <button type="submit" class="button-primary" disabled={busy || nodeId === "" || authority.trim() === ""}>
            {busy ? "Explaining…" : "Explain"}
          </button>
        </div>
        {dump.error !== undefined && <ErrorAlert error={dump.error} title="Reading the node's config dump failed" />}
      </form>
      {failure && <Alert title="Explain failed">{failure}</Alert>}
      {answer && <AnswerView answer={answer} />}
    </>
  );
}
