// What one virtual node or gateway is served right now (GET /v1/xds/config_dump), shaped like Envoy's /config_dump:
// each xDS type with its version, each resource with its own, opened one at a time.
import { request } from "../api/http.js";
import { JsonView } from "../components/json-view.js";
import { ErrorAlert, Loading, PageHeader, Section } from "../components/page.js";
import { useAsync } from "../components/use-async.js";
import { breadcrumbsFor } from "./resource-editor.js";
import { resourcePath, type ResourceAddress } from "../resources.js";
import { Link } from "../router.js";

export interface ConfigDump {
  node: string;
  meshRevision: number;
  configs: Array<Record<string, unknown> & { "@type": string; version_info: string }>;
}

/** Each dump section's list member, the field naming each entry, and where the resource sits in an entry. */
const sections: Record<string, { title: string; list: string; resource: string }> = {
  ClustersConfigDump: { title: "Clusters", list: "dynamic_active_clusters", resource: "cluster" },
  EndpointsConfigDump: { title: "Endpoints", list: "dynamic_endpoint_configs", resource: "endpoint_config" },
  ListenersConfigDump: { title: "Listeners", list: "dynamic_listeners", resource: "active_state" },
  RoutesConfigDump: { title: "Route configurations", list: "dynamic_route_configs", resource: "route_config" },
  SecretsConfigDump: { title: "Secrets", list: "dynamic_active_secrets", resource: "secret" },
};

export const nodeIdOf = (address: ResourceAddress): string => `mesh/${address.meshName}/${address.kind}/${address.name}`;

export const fetchConfigDump = (nodeId: string, signal?: AbortSignal) => request<ConfigDump>("GET", "/v1/xds/config_dump", { query: { node: nodeId }, ...(signal ? { signal } : {}) });

function entryName(entry: Record<string, unknown>, resourceMember: string): string {
  const resource = entry[resourceMember] as Record<string, unknown> | undefined;
  const inner = (resource?.listener ?? resource) as Record<string, unknown> | undefined;
  return String(entry.name ?? inner?.name ?? inner?.cluster_name ?? "");
}

export function ConfigDumpPage({ address }: { address: ResourceAddress }) {
  const nodeId = nodeIdOf(address);
  const dump = useAsync((signal) => fetchConfigDump(nodeId, signal), [nodeId]);
  const header = (
    <PageHeader
      title={`Config dump of ${address.name}`}
      crumbs={breadcrumbsFor(address, "Config dump")}
      description={
        <>
          {`What an Envoy with node id ${nodeId} is served now. `}
          <Link to={resourcePath({ kind: "mesh", meshName: address.meshName, name: address.meshName }, "proxies")}>See which Envoys accepted it</Link>
        </>
      }
      actions={
        <button type="button" class="button-secondary" onClick={dump.reload}>
          Refresh
        </button>
      }
    />
  );
  if (dump.error !== undefined) return <>{header}<ErrorAlert error={dump.error} title="Reading the config dump failed" /></>;
  if (!dump.data) return <>{header}<Loading /></>;
  return (
    <>
      {header}
      <p class="status-line">{`Mesh revision ${dump.data.meshRevision}`}</p>
      {dump.data.configs.map((config) => {
        const type = config["@type"].split(".").pop()!;
        const section = sections[type];
        if (!section) return null;
        const entries = (config[section.list] as Array<Record<string, unknown>> | undefined) ?? [];
        return (
          <Section title={`${section.title} (${entries.length})`} id={`dump-${type}`} actions={<span class="mono muted">{`version ${config.version_info}`}</span>}>
            {entries.length === 0 ? (
              <p class="muted">None.</p>
            ) : (
              entries.map((entry) => {
                const name = entryName(entry, section.resource);
                return (
                  <details class="dump-entry">
                    <summary>
                      <span class="mono">{name}</span>
                      <span class="muted mono">{` version ${String((entry.version_info ?? (entry.active_state as { version_info?: string } | undefined)?.version_info) ?? "")}`}</span>
                    </summary>
                    <JsonView value={entry[section.resource]} label={`${section.title} ${name} as JSON`} />
                  </details>
                );
              })
            )}
          </Section>
        );
      })}
    </>
  );
}
