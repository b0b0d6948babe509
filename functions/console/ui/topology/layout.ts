// Lays a mesh graph out left to right in layers with dagre (a Sugiyama-style layered layout: ranks, crossing
// reduction, coordinates). Backend edges close cycles (node → service → router → node); dagre reverses them for
// ranking and draws them back, so traffic still reads left to right.
import dagre from "@dagrejs/dagre";
import type { GraphEdge, GraphNode, MeshGraph } from "./mesh-graph.js";

export interface PlacedNode extends GraphNode {
  /** Centre and size, in SVG user units. */
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface PlacedEdge extends GraphEdge {
  points: Array<{ x: number; y: number }>;
  /** Where the weight label sits (weighted edges only). */
  label?: { x: number; y: number };
}

export interface MeshLayout {
  width: number;
  height: number;
  nodes: PlacedNode[];
  edges: PlacedEdge[];
}

export const NODE_HEIGHT = 52;
const CHARACTER_WIDTH = 7.4;

/** Wide enough for the name in the box's font, within bounds. */
const widthFor = (node: GraphNode) => Math.min(280, Math.max(124, Math.ceil(node.name.length * CHARACTER_WIDTH) + 30));

/** LR: traffic left to right (wide screens); TB: top to bottom (phones). */
export type LayoutDirection = "LR" | "TB";

export function layoutMeshGraph(graph: MeshGraph, direction: LayoutDirection = "LR"): MeshLayout {
  const g = new dagre.graphlib.Graph({ multigraph: true });
  g.setGraph({ rankdir: direction, nodesep: direction === "LR" ? 24 : 16, ranksep: direction === "LR" ? 48 : 36, edgesep: 14, marginx: 8, marginy: 8 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const node of graph.nodes) g.setNode(node.id, { width: widthFor(node), height: NODE_HEIGHT });
  graph.edges.forEach((edge, index) => {
    g.setEdge(edge.from, edge.to, edge.weight ? { width: 44, height: 20, labelpos: "c" } : { weight: edge.kind === "backend" ? 1 : 2 }, `e${index}`);
  });
  dagre.layout(g);
  const nodes = graph.nodes.map((node): PlacedNode => {
    const placed = g.node(node.id) as { x: number; y: number; width: number; height: number };
    return { ...node, x: placed.x, y: placed.y, width: placed.width, height: placed.height };
  });
  const edges = graph.edges.map((edge, index): PlacedEdge => {
    const placed = g.edge({ v: edge.from, w: edge.to, name: `e${index}` }) as { points?: Array<{ x: number; y: number }>; x?: number; y?: number };
    return { ...edge, points: placed.points ?? [], ...(edge.weight && placed.x !== undefined ? { label: { x: placed.x, y: placed.y! } } : {}) };
  });
  const label = g.graph() as { width?: number; height?: number };
  return { width: Math.ceil(label.width ?? 0), height: Math.ceil(label.height ?? 0), nodes, edges };
}
