/** Positions for a DAG's boxes, left to right in dependency order (dagre's layered layout). */
import dagre from '@dagrejs/dagre';

export const NODE_WIDTH = 200;
export const NODE_HEIGHT = 72;

/**
 * The part of dagre used here. Its bundled declarations import their own files without
 * extensions, which NodeNext resolution cannot follow, so the types are stated once here.
 */
interface LayoutGraph {
  setGraph(label: { rankdir: 'LR'; nodesep: number; ranksep: number }): void;
  setDefaultEdgeLabel(label: () => object): void;
  setNode(id: string, label: { width: number; height: number }): void;
  setEdge(from: string, to: string): void;
  node(id: string): { x: number; y: number };
}
interface Dagre {
  graphlib: { Graph: new () => LayoutGraph };
  layout(graph: LayoutGraph): void;
}
const layoutLibrary = dagre as unknown as Dagre;

export function layoutDag(
  nodes: readonly string[],
  edges: readonly { from: string; to: string }[],
): Map<string, { x: number; y: number }> {
  const graph = new layoutLibrary.graphlib.Graph();
  // Wide enough between ranks for an edge's condition ("on failure · same instance") to show whole.
  graph.setGraph({ rankdir: 'LR', nodesep: 30, ranksep: 190 });
  graph.setDefaultEdgeLabel(() => ({}));
  for (const id of nodes) graph.setNode(id, { width: NODE_WIDTH, height: NODE_HEIGHT });
  for (const edge of edges) graph.setEdge(edge.from, edge.to);
  layoutLibrary.layout(graph);
  const positions = new Map<string, { x: number; y: number }>();
  for (const id of nodes) {
    const node = graph.node(id);
    // dagre gives centres; the canvas places boxes by their top-left corner.
    positions.set(id, { x: node.x - NODE_WIDTH / 2, y: node.y - NODE_HEIGHT / 2 });
  }
  return positions;
}
