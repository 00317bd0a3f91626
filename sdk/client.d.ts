/**
 * BatchClient: one typed method per endpoint of the HTTP API (SPEC §6). Responses are returned as
 * the controller sent them — not re-validated — so fields a newer controller adds are kept.
 */
import type { AuditEvent, ComputeEnvironment, CreateEnvironment, Instance, Job, List, Node, RegistrationToken, RegistrationTokenInfo, Template, Token, TokenInfo, User } from '../protocol/api.js';
import type { JobSpecInput, TemplateSpec } from '../protocol/spec.js';
import type { Bucket, ClientOptions, CreatedUser, JobQuery, LogOptions, ObjectEntry, PageQuery, Schedule, ScheduleDetail, ScheduleSpec } from './types.js';
export declare class BatchClient {
    private readonly http;
    constructor(options: ClientOptions);
    /** The base URL requests go to, without a trailing slash. */
    get url(): string;
    health(): Promise<unknown>;
    openapi(): Promise<Record<string, unknown>>;
    /** Submits a job. With a `clientToken` used before, returns that earlier job instead. */
    submitJob(spec: JobSpecInput): Promise<Job>;
    listJobs(query?: JobQuery): Promise<List<Job>>;
    /** Every job matching `query`, page after page. */
    listAllJobs(query?: Omit<JobQuery, 'cursor'>): AsyncGenerator<Job>;
    getJob(id: string): Promise<Job>;
    stopJob(id: string): Promise<Job>;
    /** Re-runs the instances of a FAILED/STOPPED job that did not succeed. */
    restartJob(id: string): Promise<Job>;
    deleteJob(id: string): Promise<void>;
    listInstances(jobId: string, task: string, query?: PageQuery): Promise<List<Instance>>;
    listAllInstances(jobId: string, task: string, query?: Omit<PageQuery, 'cursor'>): AsyncGenerator<Instance>;
    getInstance(jobId: string, task: string, index: number): Promise<Instance>;
    /**
     * The raw output of one attempt of an instance, as chunks of bytes. With `follow`, the stream
     * stays open until the attempt ends; break out of the loop (or abort `signal`) to stop early.
     */
    logs(jobId: string, task: string, index: number, options?: LogOptions): Promise<AsyncIterable<Uint8Array>>;
    /** Creates a template; fails with 409 CONFLICT when the name is taken (see `replaceTemplate`). */
    createTemplate(spec: TemplateSpec): Promise<Template>;
    replaceTemplate(name: string, spec: TemplateSpec): Promise<Template>;
    listTemplates(query?: PageQuery): Promise<List<Template>>;
    getTemplate(name: string): Promise<Template>;
    deleteTemplate(name: string): Promise<void>;
    listEnvironments(query?: PageQuery): Promise<List<ComputeEnvironment>>;
    createEnvironment(spec: CreateEnvironment): Promise<ComputeEnvironment>;
    getEnvironment(name: string): Promise<ComputeEnvironment>;
    scaleEnvironment(name: string, desiredNodes: number): Promise<ComputeEnvironment>;
    deleteEnvironment(name: string): Promise<void>;
    /**
     * A token a new node exchanges, at its first start, for its own credential; it works for
     * `ttlSeconds` (default 7 days) and for `maxUses` registrations (default: any number).
     */
    createRegistrationToken(environment: string, options?: {
        ttlSeconds?: number;
        maxUses?: number;
    }): Promise<RegistrationToken>;
    /** The environment's registration tokens (never the tokens themselves). */
    listRegistrationTokens(environment: string): Promise<List<RegistrationTokenInfo>>;
    /** From now on no node can register with this token. */
    revokeRegistrationToken(environment: string, id: string): Promise<void>;
    listNodes(query?: PageQuery): Promise<List<Node>>;
    getNode(id: string): Promise<Node>;
    /** Stops placing work on a node; running instances finish. */
    drainNode(id: string): Promise<Node>;
    /** Undoes a drain: the node takes new work again. */
    undrainNode(id: string): Promise<Node>;
    /** Admin only. The returned token is shown only this once. */
    createUser(spec: {
        name: string;
        admin?: boolean;
    }): Promise<CreatedUser>;
    listUsers(query?: PageQuery): Promise<List<User>>;
    /** Admin only: override some of a user's quotas (SPEC §8). */
    updateUserQuotas(name: string, quotas: Partial<Record<'computeEnvironments' | 'nodesPerEnvironment' | 'runningInstances' | 'jobs' | 'tasksPerJob' | 'instancesPerTask' | 'schedules', number>>): Promise<User>;
    /** Admin only: a disabled user's tokens are refused from the next request on. */
    disableUser(name: string): Promise<User>;
    enableUser(name: string): Promise<User>;
    /** Admin only. Refused while the user has unfinished jobs, unless `force` (which stops them). */
    deleteUser(name: string, options?: {
        force?: boolean;
    }): Promise<void>;
    /** A new token for the calling user; `ttlSeconds` absent: until revoked. Shown only this once. */
    createToken(spec?: {
        name?: string;
        ttlSeconds?: number;
    }): Promise<Token>;
    /** The caller's tokens; an admin may name a user, or `*` for everyone's. */
    listTokens(query?: {
        user?: string;
    }): Promise<List<TokenInfo>>;
    /** Revokes a token at once (the caller's own; anyone's for an admin). */
    revokeToken(id: string): Promise<void>;
    /** Admin only: security events, newest first. */
    listAuditEvents(query?: PageQuery & {
        action?: string;
    }): Promise<List<AuditEvent>>;
    /** Buckets the caller owns (all of them for an admin). */
    listBuckets(): Promise<List<Bucket>>;
    /** Objects under an `oss://bucket/prefix` URL, one page. */
    listObjects(url: string, query?: PageQuery): Promise<List<ObjectEntry>>;
    /** Uploads bytes to an `oss://bucket/key` URL; with `sha256`, the controller rejects a corrupted upload. */
    putObject(url: string, body: BodyInit, options?: {
        sha256?: string;
    }): Promise<ObjectEntry>;
    /** Downloads an object as chunks of bytes. */
    getObject(url: string): Promise<AsyncIterable<Uint8Array>>;
    /** The caller's schedules by name; an admin may pass `owner: 'all'`. */
    listSchedules(query?: PageQuery & {
        owner?: 'all';
    }): Promise<List<Schedule>>;
    /** Creates a schedule; its job spec is checked now as a submit would check it. */
    createSchedule(spec: ScheduleSpec): Promise<ScheduleDetail>;
    /** A schedule with its next run times and its recent runs (tick → job, or why not). */
    getSchedule(name: string): Promise<ScheduleDetail>;
    /** No tick runs while paused, and none is caught up on resume. */
    pauseSchedule(name: string): Promise<ScheduleDetail>;
    resumeSchedule(name: string): Promise<ScheduleDetail>;
    /** Deletes the schedule and its run history; the jobs it submitted stay. */
    deleteSchedule(name: string): Promise<void>;
}
/** Splits `oss://bucket/key`; the controller checks the rest. */
export declare function parseOssUrl(url: string): {
    bucket: string;
    key: string;
};
