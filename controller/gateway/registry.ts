/** The agent sessions connected to this controller, by node id. */
import { CLOSE_CODES, type ControllerMessage } from '../../protocol/messages.js';

export interface NodeLink {
  readonly nodeId: string;
  send(messages: ControllerMessage[]): void;
  close(code: number, reason: string): void;
}

export class SessionRegistry {
  private readonly links = new Map<string, NodeLink>();

  /** Registers a link; an older link of the same node is closed (the agent reconnected). */
  add(link: NodeLink): void {
    const old = this.links.get(link.nodeId);
    this.links.set(link.nodeId, link);
    if (old && old !== link) old.close(CLOSE_CODES.REPLACED, 'replaced by a newer connection of the same node');
  }

  remove(link: NodeLink): void {
    if (this.links.get(link.nodeId) === link) this.links.delete(link.nodeId);
  }

  get(nodeId: string): NodeLink | undefined {
    return this.links.get(nodeId);
  }

  connected(): Set<string> {
    return new Set(this.links.keys());
  }

  /** Sends to a node if it is connected here; returns whether it was. */
  send(nodeId: string, messages: ControllerMessage[]): boolean {
    const link = this.links.get(nodeId);
    if (!link) return false;
    link.send(messages);
    return true;
  }

  closeAll(reason: string): void {
    for (const link of this.links.values()) link.close(1001, reason);
    this.links.clear();
  }
}
