/**
 * BatchClient: one typed method per endpoint of the HTTP API (SPEC §6). Responses are returned as
 * the controller sent them — not re-validated — so fields a newer controller adds are kept.
 */
import type {
  AuditEvent,
  BatchEvent,
  ComputeEnvironment,
  ControllerInfo,
  CreateEnvironment,
  Instance,
  Job,
  List,
  Node,
  RegistrationToken,
  RegistrationTokenInfo,
  Template,
  Token,
  TokenInfo,
  User,
} from '../protocol/api.js';
import type { JobSpecInput, TemplateSpec } from '../protocol/spec.js';
import { ConnectionError } from './errors.js';
import { paginate } from './paginate.js';
import { serverSentEvents } from './server-sent-events.js';
import { segment, Transport } from './transport.js';
import type {
  Bucket,
  ClientOptions,
  CreatedUser,
  EventQuery,
  JobQuery,
  LogOptions,
  ObjectEntry,
  PageQuery,
  Schedule,
  ScheduleDetail,
  ScheduleSpec,
} from './types.js';

export class BatchClient {
  private readonly http: Transport;

  constructor(options: ClientOptions) {
    this.http = new Transport(options);
  }

  /** The base URL requests go to, without a trailing slash. */
  get url(): string {
    return this.http.baseUrl;
  }

  health(): Promise<unknown> {
    return this.http.json('GET', '/healthz');
  }

  openapi(): Promise<Record<string, unknown>> {
    return this.http.json('GET', '/v1/openapi.json');
  }

  // --- jobs ------------------------------------------------------------------------------------

  /** Submits a job. With a `clientToken` used before, returns that earlier job instead. */
  submitJob(spec: JobSpecInput): Promise<Job> {
    return this.http.json('POST', '/v1/jobs', { body: spec });
  }

  listJobs(query: JobQuery = {}): Promise<List<Job>> {
    return this.http.json('GET', '/v1/jobs', { query: { ...query } });
  }

  /** Every job matching `query`, page after page. */
  listAllJobs(query: Omit<JobQuery, 'cursor'> = {}): AsyncGenerator<Job> {
    return paginate((cursor) => this.listJobs({ ...query, cursor }));
  }

  getJob(id: string): Promise<Job> {
    return this.http.json('GET', jobPath(id));
  }

  stopJob(id: string): Promise<Job> {
    return this.http.json('POST', `${jobPath(id)}/stop`);
  }

  /** Re-runs the instances of a FAILED/STOPPED job that did not succeed. */
  restartJob(id: string): Promise<Job> {
    return this.http.json('POST', `${jobPath(id)}/restart`);
  }

  deleteJob(id: string): Promise<void> {
    return this.http.empty('DELETE', jobPath(id));
  }

  // --- instances and logs ----------------------------------------------------------------------

  listInstances(jobId: string, task: string, query: PageQuery = {}): Promise<List<Instance>> {
    return this.http.json('GET', instancesPath(jobId, task), { query: { ...query } });
  }

  listAllInstances(jobId: string, task: string, query: Omit<PageQuery, 'cursor'> = {}): AsyncGenerator<Instance> {
    return paginate((cursor) => this.listInstances(jobId, task, { ...query, cursor }));
  }

  getInstance(jobId: string, task: string, index: number): Promise<Instance> {
    return this.http.json('GET', `${instancesPath(jobId, task)}/${segment(index)}`);
  }

  /**
   * The raw output of one attempt of an instance, as chunks of bytes. With `follow`, the stream
   * stays open until the attempt ends; break out of the loop (or abort `signal`) to stop early.
   */
  logs(jobId: string, task: string, index: number, options: LogOptions = {}): Promise<AsyncIterable<Uint8Array>> {
    const { stream, follow, attempt, signal } = options;
    return this.http.stream(`${instancesPath(jobId, task)}/${segment(index)}/logs`, {
      query: { stream, follow: follow ? true : undefined, attempt },
      signal,
    });
  }

  // --- events --------------------------------------------------------------------------------

  /**
   * State changes of jobs, tasks, instances, nodes and environments (`GET /v1/events`), in the
   * order they committed. Reconnects by itself after a dropped connection, a controller restart
   * or a cut-off for being slow, resuming after the last event it yielded, so nothing is missed
   * or repeated. Ends when `follow` is false and the present is reached, or `signal` aborts; an
   * API error (410 GONE: resumed from before the retention window) is thrown.
   */
  async *events(query: EventQuery = {}): AsyncGenerator<BatchEvent> {
    const { signal, retryMs = 1000 } = query;
    const list = (v: string | readonly string[] | undefined) => (typeof v === 'string' ? v : v?.join(','));
    let since = query.since;
    for (;;) {
      let cut = false;
      try {
        const chunks = await this.http.stream('/v1/events', {
          query: {
            job: query.job,
            kind: list(query.kind),
            state: list(query.state),
            since,
            follow: query.follow === false ? false : undefined,
          },
          signal,
        });
        for await (const message of serverSentEvents(chunks)) {
          if (message.event === 'open') {
            // Where a stream "from now" began: a reconnect resumes there, not at a later now.
            since ??= (JSON.parse(message.data) as { after: number }).after;
          } else if (message.event === 'cut-off') {
            cut = true;
          } else {
            const event = JSON.parse(message.data) as BatchEvent;
            since = event.id;
            yield event;
          }
        }
        if (query.follow === false && !cut) return;
      } catch (error) {
        if (!(error instanceof ConnectionError) || signal?.aborted) throw error;
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, retryMs);
        signal?.addEventListener('abort', () => {
          clearTimeout(timer);
          resolve();
        });
      });
      if (signal?.aborted) return;
    }
  }

  // --- templates -------------------------------------------------------------------------------

  /** Creates a template; fails with 409 CONFLICT when the name is taken (see `replaceTemplate`). */
  createTemplate(spec: TemplateSpec): Promise<Template> {
    return this.http.json('POST', '/v1/templates', { body: spec });
  }

  replaceTemplate(name: string, spec: TemplateSpec): Promise<Template> {
    return this.http.json('PUT', templatePath(name), { body: spec });
  }

  listTemplates(query: PageQuery = {}): Promise<List<Template>> {
    return this.http.json('GET', '/v1/templates', { query: { ...query } });
  }

  getTemplate(name: string): Promise<Template> {
    return this.http.json('GET', templatePath(name));
  }

  deleteTemplate(name: string): Promise<void> {
    return this.http.empty('DELETE', templatePath(name));
  }

  // --- compute environments --------------------------------------------------------------------

  /** `all`: auto environments with no nodes too (they are listed while they have nodes). */
  listEnvironments(query: PageQuery & { all?: boolean } = {}): Promise<List<ComputeEnvironment>> {
    const { all, ...page } = query;
    return this.http.json('GET', '/v1/compute-environments', { query: { ...page, ...(all ? { all: 'true' } : {}) } });
  }

  createEnvironment(spec: CreateEnvironment): Promise<ComputeEnvironment> {
    return this.http.json('POST', '/v1/compute-environments', { body: spec });
  }

  getEnvironment(name: string): Promise<ComputeEnvironment> {
    return this.http.json('GET', environmentPath(name));
  }

  /**
   * Sets a managed environment's desired node count. A scale-in takes idle nodes first and lets
   * busy ones finish their instances; `force` deletes busy ones at once (their instances re-queued).
   */
  scaleEnvironment(name: string, desiredNodes: number, options: { force?: boolean } = {}): Promise<ComputeEnvironment> {
    return this.http.json('POST', `${environmentPath(name)}/scale`, {
      body: { desiredNodes, ...(options.force ? { force: true } : {}) },
    });
  }

  deleteEnvironment(name: string): Promise<void> {
    return this.http.empty('DELETE', environmentPath(name));
  }

  /**
   * A token a new node exchanges, at its first start, for its own credential; it works for
   * `ttlSeconds` (default 7 days) and for `maxUses` registrations (default: any number).
   */
  createRegistrationToken(
    environment: string,
    options: { ttlSeconds?: number; maxUses?: number } = {},
  ): Promise<RegistrationToken> {
    return this.http.json('POST', `${environmentPath(environment)}/tokens`, { body: options });
  }

  /** The environment's registration tokens (never the tokens themselves). */
  listRegistrationTokens(environment: string): Promise<List<RegistrationTokenInfo>> {
    return this.http.json('GET', `${environmentPath(environment)}/tokens`);
  }

  /** From now on no node can register with this token. */
  revokeRegistrationToken(environment: string, id: string): Promise<void> {
    return this.http.empty('DELETE', `${environmentPath(environment)}/tokens/${segment(id)}`);
  }

  // --- nodes -----------------------------------------------------------------------------------

  /** `all`: TERMINATED nodes too (kept for the retention period); `environment`: only its nodes. */
  listNodes(query: PageQuery & { all?: boolean; environment?: string } = {}): Promise<List<Node>> {
    const { all, ...rest } = query;
    return this.http.json('GET', '/v1/nodes', { query: { ...rest, ...(all ? { all: 'true' } : {}) } });
  }

  /**
   * Removes a node: no new work, and its provider deletes it once its instances have finished
   * (`force`: at once, its instances re-queued). A hand-joined node is disconnected.
   */
  deleteNode(id: string, options: { force?: boolean } = {}): Promise<Node> {
    return this.http.json('DELETE', `/v1/nodes/${segment(id)}`, { query: options.force ? { force: 'true' } : {} });
  }

  getNode(id: string): Promise<Node> {
    return this.http.json('GET', `/v1/nodes/${segment(id)}`);
  }

  /** Stops placing work on a node; running instances finish. */
  drainNode(id: string): Promise<Node> {
    return this.http.json('POST', `/v1/nodes/${segment(id)}/drain`);
  }

  /** Undoes a drain: the node takes new work again. */
  undrainNode(id: string): Promise<Node> {
    return this.http.json('POST', `/v1/nodes/${segment(id)}/undrain`);
  }

  // --- users and tokens ------------------------------------------------------------------------

  /** Admin only. The returned token is shown only this once. */
  createUser(spec: { name: string; admin?: boolean }): Promise<CreatedUser> {
    return this.http.json('POST', '/v1/users', { body: spec });
  }

  /** Admin only: the controllers sharing the database, the duties each holds, its agents. */
  listControllers(): Promise<List<ControllerInfo>> {
    return this.http.json('GET', '/v1/controllers');
  }

  listUsers(query: PageQuery = {}): Promise<List<User>> {
    return this.http.json('GET', '/v1/users', { query: { ...query } });
  }

  /** Admin only: override some of a user's quotas (SPEC §8). */
  updateUserQuotas(
    name: string,
    quotas: Partial<
      Record<
        | 'computeEnvironments'
        | 'nodesPerEnvironment'
        | 'runningInstances'
        | 'jobs'
        | 'tasksPerJob'
        | 'instancesPerTask'
        | 'schedules',
        number
      >
    >,
  ): Promise<User> {
    return this.http.json('PATCH', `/v1/users/${segment(name)}`, { body: { quotas } });
  }

  /** Admin only: a disabled user's tokens are refused from the next request on. */
  disableUser(name: string): Promise<User> {
    return this.http.json('POST', `/v1/users/${segment(name)}/disable`);
  }

  enableUser(name: string): Promise<User> {
    return this.http.json('POST', `/v1/users/${segment(name)}/enable`);
  }

  /** Admin only. Refused while the user has unfinished jobs, unless `force` (which stops them). */
  deleteUser(name: string, options: { force?: boolean } = {}): Promise<void> {
    return this.http.empty('DELETE', `/v1/users/${segment(name)}`, {
      query: options.force ? { force: 'true' } : {},
    });
  }

  /** A new token for the calling user; `ttlSeconds` absent: until revoked. Shown only this once. */
  createToken(spec: { name?: string; ttlSeconds?: number } = {}): Promise<Token> {
    return this.http.json('POST', '/v1/tokens', { body: spec });
  }

  /** The caller's tokens; an admin may name a user, or `*` for everyone's. */
  listTokens(query: { user?: string } = {}): Promise<List<TokenInfo>> {
    return this.http.json('GET', '/v1/tokens', { query: { ...query } });
  }

  /** Revokes a token at once (the caller's own; anyone's for an admin). */
  revokeToken(id: string): Promise<void> {
    return this.http.empty('DELETE', `/v1/tokens/${segment(id)}`);
  }

  /** Admin only: security events, newest first. */
  listAuditEvents(query: PageQuery & { action?: string } = {}): Promise<List<AuditEvent>> {
    return this.http.json('GET', '/v1/audit', { query: { ...query } });
  }

  // --- object storage ------------------------------------------------------------------------

  /** Buckets the caller owns (all of them for an admin). */
  listBuckets(): Promise<List<Bucket>> {
    return this.http.json('GET', '/v1/oss');
  }

  /** Objects under an `oss://bucket/prefix` URL, one page. */
  listObjects(url: string, query: PageQuery = {}): Promise<List<ObjectEntry>> {
    const { bucket, key } = parseOssUrl(url);
    return this.http.json('GET', `/v1/oss/${segment(bucket)}`, { query: { prefix: key, ...query } });
  }

  /** Uploads bytes to an `oss://bucket/key` URL; with `sha256`, the controller rejects a corrupted upload. */
  putObject(url: string, body: BodyInit, options: { sha256?: string } = {}): Promise<ObjectEntry> {
    const { bucket, key } = parseOssUrl(url);
    return this.http.json('PUT', objectPath(bucket, key), {
      raw: body,
      ...(options.sha256 ? { headers: { 'x-batch-sha256': options.sha256 } } : {}),
    });
  }

  /** Downloads an object as chunks of bytes. */
  getObject(url: string): Promise<AsyncIterable<Uint8Array>> {
    const { bucket, key } = parseOssUrl(url);
    return this.http.stream(objectPath(bucket, key));
  }

  // --- schedules -------------------------------------------------------------------------------

  /** The caller's schedules by name; an admin may pass `owner: 'all'`. */
  listSchedules(query: PageQuery & { owner?: 'all' } = {}): Promise<List<Schedule>> {
    return this.http.json('GET', '/v1/schedules', { query: { ...query } });
  }

  /** Creates a schedule; its job spec is checked now as a submit would check it. */
  createSchedule(spec: ScheduleSpec): Promise<ScheduleDetail> {
    return this.http.json('POST', '/v1/schedules', { body: spec });
  }

  /** A schedule with its next run times and its recent runs (tick → job, or why not). */
  getSchedule(name: string): Promise<ScheduleDetail> {
    return this.http.json('GET', schedulePath(name));
  }

  /** No tick runs while paused, and none is caught up on resume. */
  pauseSchedule(name: string): Promise<ScheduleDetail> {
    return this.http.json('POST', `${schedulePath(name)}/pause`);
  }

  resumeSchedule(name: string): Promise<ScheduleDetail> {
    return this.http.json('POST', `${schedulePath(name)}/resume`);
  }

  /** Deletes the schedule and its run history; the jobs it submitted stay. */
  deleteSchedule(name: string): Promise<void> {
    return this.http.empty('DELETE', schedulePath(name));
  }
}

const objectPath = (bucket: string, key: string) =>
  `/v1/oss/${segment(bucket)}/${key.split('/').map(segment).join('/')}`;

/** Splits `oss://bucket/key`; the controller checks the rest. */
export function parseOssUrl(url: string): { bucket: string; key: string } {
  const m = /^oss:\/\/([^/]+)\/?(.*)$/.exec(url);
  if (!m) throw new TypeError(`"${url}" is not an oss://bucket/key URL`);
  return { bucket: m[1]!, key: m[2]! };
}

const jobPath = (id: string) => `/v1/jobs/${segment(id)}`;
const instancesPath = (jobId: string, task: string) => `${jobPath(jobId)}/tasks/${segment(task)}/instances`;
const templatePath = (name: string) => `/v1/templates/${segment(name)}`;
const schedulePath = (name: string) => `/v1/schedules/${segment(name)}`;
const environmentPath = (name: string) => `/v1/compute-environments/${segment(name)}`;
