/** A running cluster for end-to-end tests: one controller process, N agent processes, a client. */
import type { Job } from '../../protocol/api.js';
import { BatchClient } from '../../sdk/client.js';
import { type Agent, type Controller, type StoreKind } from '../support/cluster.js';
import type { Teardown } from '../support/tmp.js';
export interface Cluster {
    controller: Controller & {
        databaseUrl?: string;
    };
    client: BatchClient;
    agents: Agent[];
    registrationToken: string;
}
export declare function startCluster(t: Teardown, options: {
    store: StoreKind;
    agents?: number;
    cpu?: number;
    env?: NodeJS.ProcessEnv;
}): Promise<Cluster>;
export declare function waitReadyNodes(client: BatchClient, count: number, timeoutMs?: number): Promise<void>;
export declare function waitJobFinished(client: BatchClient, jobId: string, timeoutMs?: number): Promise<Job>;
export declare function readLog(client: BatchClient, jobId: string, task: string, index: number, stream?: 'stdout' | 'stderr'): Promise<string>;
export declare function pidAlive(pid: number): boolean;
