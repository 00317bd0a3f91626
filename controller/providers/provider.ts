/**
 * A provider creates and deletes the hosts of an environment's nodes. This is the whole
 * interface a cloud provider implements (docs/providers.md walks through writing one):
 *
 * - `create` starts a host that will run batch-agent with the user data it is given (which
 *   carries the node's own single-use registration token) and returns the provider's name for
 *   it. The node is PROVISIONING until its agent registers.
 * - `delete` destroys a host; deleting one that is already gone is not an error.
 * - `list` names the hosts the provider has, with the node id each was created for, so that a
 *   restarted controller adopts what it created before it stopped instead of creating twice.
 *
 * Every call gets an AbortSignal that fires at the environment's timeout; a provider stops what
 * it was doing then. A call that throws is a provisioning failure, shown on the node and retried
 * with backoff: a provider never takes the controller down.
 */
import type { NodeTemplate } from '../../protocol/api.js';

export interface CreateRequest {
  /** The node row this host is for (PROVISIONING until the agent registers). */
  nodeId: string;
  /** The node's name, unique in its environment: a host name a provider may use. */
  name: string;
  environment: string;
  template: NodeTemplate;
  controllerUrl: string;
  /** Single-use, expiring: binds the first agent that registers with it to `nodeId`. */
  registrationToken: string;
  /** The rendered bootstrap script for the template's OS (installers/user-data/). */
  userData: string;
}

export interface ProvidedHost {
  providerId: string;
  /** The node the host was created for, when the provider kept it (a tag, a file). */
  nodeId?: string;
}

export interface NodeProvider {
  create(request: CreateRequest, signal: AbortSignal): Promise<ProvidedHost>;
  /**
   * Optional: several hosts in one call (a cloud's batch API, one program run). A node whose
   * host is missing from the answer failed to be created.
   */
  createMany?(requests: readonly CreateRequest[], signal: AbortSignal): Promise<ProvidedHost[]>;
  delete(providerId: string, signal: AbortSignal): Promise<void>;
  list(signal: AbortSignal): Promise<ProvidedHost[]>;
}

/** A provider call that failed, with what the provider said (shown on the node, never a secret). */
export class ProviderError extends Error {
  override readonly name = 'ProviderError';
}
