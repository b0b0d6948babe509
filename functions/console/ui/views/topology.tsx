// The topology of a mesh, laid out automatically: each box opens its resource; weighted edges carry each target's
// share. The same connections are listed in a table below, for screen readers and for copying.
import { loadMesh } from "../api/appmesh.js";
import { listPolicies, type PolicyRef } from "../api/policies.js";
import { DataTable } from "../components/data-table.js";
import { ErrorAlert, Loading, PageHeader } from "../components/page.js";
import { useAsync } from "../components/use-async.js";
import { useEffect, useState } from "preact/hooks";
import { layoutMeshGraph, type LayoutDirection, type PlacedEdge, type PlacedNode } from "../topology/layout.js";
import { createMeshGraph, graphKinds, type GraphEdge, type GraphKind, type GraphNode } from "../topology/mesh-graph.js";
import { BASE, Link, navigate, pathOf } from "../router.js";
import { titleOf } from "../resources.js";
import { PolicyListError, policiesOnPath } from "./policies.js";

const MIN_SCALE = 0.65;
const BADGE_CHARACTER_WIDTH = 6.2;

/** Policy types by target ARN, in a stable order. */
function policyTypesByTarget(policies: readonly PolicyRef[]): Map<string, string[]> {
  const byTarget = new Map<string, string[]>();
  for (const policy of policies) byTarget.set(policy.targetArn, [...(byTarget.get(policy.targetArn) ?? []), policy.type].sort());
  return byTarget;
}

/** The marker of a box whose resource has policies: their types, linking to the mesh's Policies page for it. */
function PolicyBadge({ node, meshName, types }: { node: PlacedNode; meshName: string; types: string[] }) {
  const text = types.join(" · ");
  const width = Math.ceil(text.length * BADGE_CHARACTER_WIDTH) + 16;
  const right = node.x + node.width / 2;
  const top = node.y - node.height / 2;
  const path = policiesOnPath(meshName, node.arn!);
  return (
    <a
      class="topology-policies"
      href={`${BASE}${path}`}
      data-policies-of={node.id}
      aria-label={`Policies of ${titleOf(node.kind).toLowerCase()} ${node.name}: ${types.join(", ")}`}
      onClick={(event) => {
        event.preventDefault();
        navigate(path);
      }}
    >
      <rect x={right - width + 6} y={top - 10} width={width} height={20} rx={10} />
      <text x={right - width / 2 + 6} y={top + 4} text-anchor="middle">
        {text}
      </text>
    </a>
  );
}

const relation: Record<GraphEdge["kind"], string> = { provider: "provided by", route: "has route", target: "sends to", backend: "calls" };

/** A smooth path through dagre's points (Catmull-Rom turned into cubic Béziers). */
function pathThrough(points: PlacedEdge["points"]): string {
  if (points.length === 0) return "";
  let d = `M${points[0]!.x},${points[0]!.y}`;
  for (let i = 0; i < points.length - 1; i++) {
    const p0 = points[i - 1] ?? points[i]!;
    const p1 = points[i]!;
    const p2 = points[i + 1]!;
    const p3 = points[i + 2] ?? p2;
    d += ` C${p1.x + (p2.x - p0.x) / 6},${p1.y + (p2.y - p0.y) / 6} ${p2.x - (p3.x - p1.x) / 6},${p2.y - (p3.y - p1.y) / 6} ${p2.x},${p2.y}`;
  }
  return d;
}

function NodeBox({ node }: { node: PlacedNode }) {
  const left = node.x - node.width / 2;
  const top = node.y - node.height / 2;
  const body = (
    <>
      <rect class="topology-box" x={left} y={top} width={node.width} height={node.height} rx={6} />
      <rect class="topology-bar" x={left} y={top} width={5} height={node.height} rx={2} />
      <text class="topology-kind" x={left + 16} y={top + 20}>
        {titleOf(node.kind).toUpperCase()}
      </text>
      <text class="topology-name" x={left + 16} y={top + 38}>
        {node.name}
      </text>
    </>
  );
  const label = `${titleOf(node.kind)} ${node.name}`;
  if (!node.path) {
    return (
      <g class={`topology-node kind-${node.kind} missing`} data-node={node.id} role="img" aria-label={`${label} (referenced, does not exist)`}>
        {body}
      </g>
    );
  }
  return (
    <a
      class={`topology-node kind-${node.kind}`}
      href={`${BASE}${node.path}`}
      data-node={node.id}
      aria-label={label}
      onClick={(event) => {
        event.preventDefault();
        navigate(node.path!);
      }}
    >
      {body}
    </a>
  );
}

function EdgeLine({ edge }: { edge: PlacedEdge }) {
  return (
    <g class={`topology-edge edge-${edge.kind}`} data-from={edge.from} data-to={edge.to}>
      <path d={pathThrough(edge.points)} marker-end="url(#arrow)" />
      {edge.weight && edge.label && (
        <g class="topology-weight">
          <rect x={edge.label.x - 24} y={edge.label.y - 11} width={48} height={22} rx={11} />
          <text x={edge.label.x} y={edge.label.y + 4} text-anchor="middle">{`${edge.weight.percent}%`}</text>
        </g>
      )}
    </g>
  );
}

/** Top to bottom on a phone, left to right otherwise; follows the window as it is resized. */
function useLayoutDirection(): LayoutDirection {
  const query = "(max-width: 860px)";
  const [narrow, setNarrow] = useState(() => window.matchMedia(query).matches);
  useEffect(() => {
    const media = window.matchMedia(query);
    const update = () => setNarrow(media.matches);
    media.addEventListener("change", update);
    return () => media.removeEventListener("change", update);
  }, []);
  return narrow ? "TB" : "LR";
}

export function TopologyPage({ meshName }: { meshName: string }) {
  const mesh = useAsync((signal) => loadMesh(meshName, signal), [meshName]);
  // Policies are meshplane's own resource: a principal without meshplane:ListPolicies still gets the topology.
  const policies = useAsync((signal) => listPolicies(meshName, {}, signal), [meshName]);
  const direction = useLayoutDirection();
  const header = <PageHeader title="Topology" crumbs={[{ label: "Meshes", to: "/" }, { label: meshName, to: pathOf("meshes", meshName) }, { label: "Topology" }]} description="Traffic flows from gateways and gateway routes to virtual services, their routers and routes (with each target's share), the virtual nodes, and the services those call." />;
  if (mesh.error !== undefined) return <>{header}<ErrorAlert error={mesh.error} title="Loading the mesh failed" /></>;
  if (!mesh.data) return <>{header}<Loading label="Loading the mesh…" /></>;
  const graph = createMeshGraph(mesh.data);
  const layout = layoutMeshGraph(graph, direction);
  const byId = new Map<string, GraphNode>(graph.nodes.map((node) => [node.id, node]));
  const describe = (id: string) => {
    const node = byId.get(id)!;
    return `${titleOf(node.kind)} ${node.name}`;
  };
  const policyTypes = policyTypesByTarget(policies.data ?? []);
  const meshPolicyTypes = policyTypes.get(mesh.data.mesh.metadata.arn);
  const kindsPresent = graphKinds.filter((kind: GraphKind) => graph.nodes.some((node) => node.kind === kind));
  return (
    <>
      {header}
      {policies.error !== undefined && <PolicyListError error={policies.error} />}
      {meshPolicyTypes && (
        <p class="topology-mesh-policies">
          {"Mesh-wide policies: "}
          <Link to={policiesOnPath(meshName, mesh.data.mesh.metadata.arn)} aria-label={`Policies of mesh ${meshName}: ${meshPolicyTypes.join(", ")}`}>
            {meshPolicyTypes.join(", ")}
          </Link>
        </p>
      )}
      {graph.nodes.length === 0 ? (
        <p class="empty-state">This mesh has no resources yet.</p>
      ) : (
        <figure class="topology card">
          <ul class="legend" aria-label="Legend">
            {kindsPresent.map((kind) => (
              <li class={`legend-item kind-${kind}`}>{titleOf(kind)}</li>
            ))}
            <li class="legend-item legend-backend">Backend call</li>
            {policyTypes.size > 0 && <li class="legend-item legend-policies">Policies (types)</li>}
          </ul>
          <div class="topology-scroll" tabIndex={0} role="region" aria-label="Topology graph">
            <svg
              class="topology-graph"
              role="group"
              aria-label={`Topology of mesh ${meshName}`}
              viewBox={`0 0 ${layout.width} ${layout.height}`}
              // Fit the width of the page, but never below 65 % of actual size (then scroll) nor above it.
              style={{ maxWidth: `${layout.width}px`, minWidth: `${Math.round(layout.width * MIN_SCALE)}px` }}
            >
              <defs>
                <marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
                  <path d="M0,0 L10,5 L0,10 z" class="topology-arrow" />
                </marker>
              </defs>
              {layout.edges.map((edge) => (
                <EdgeLine edge={edge} />
              ))}
              {layout.nodes.map((node) => (
                <NodeBox node={node} />
              ))}
              {layout.nodes.map((node) => {
                const types = node.arn ? policyTypes.get(node.arn) : undefined;
                return types && <PolicyBadge node={node} meshName={meshName} types={types} />;
              })}
            </svg>
          </div>
          <figcaption class="visually-hidden">{`Topology of mesh ${meshName}; the connections are listed in the table below.`}</figcaption>
        </figure>
      )}
      <details class="card connections">
        <summary>Connections</summary>
        <DataTable<GraphEdge>
          caption="Connections"
          rowKey={(edge) => `${edge.from}>${edge.to}>${edge.kind}`}
          rows={graph.edges}
          empty="No connections."
          columns={[
            { header: "From", cell: (edge) => describe(edge.from) },
            { header: "Relation", cell: (edge) => relation[edge.kind] },
            { header: "To", cell: (edge) => describe(edge.to) },
            { header: "Weight", cell: (edge) => (edge.weight ? `${edge.weight.value} (${edge.weight.percent}%)` : "—"), numeric: true },
          ]}
        />
      </details>
    </>
  );
}
