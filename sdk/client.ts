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
import type { JobSpec, JobSpecInput, TemplateSpec } from '../protocol/spec.js';
import { paginate } from './paginate.js';
import { isTransient } from './retry.js';
import { serverSentEvents } from './server-sent-events.js';
import { segment, Transport } from './transport.js';
import { waitForJob, type WaitOptions } from './wait-for-job.js';
import type {
  Bucket,
  CallOptions,
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
  SubmittedJob,
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

  health(call: CallOptions = {}): Promise<unknown> {
    return this.http.json('GET', '/healthz', call);
  }

  openapi(call: CallOptions = {}): Promise<Record<string, unknown>> {
    return this.http.json('GET', '/v1/openapi.json', call);
  }

  // --- jobs ------------------------------------------------------------------------------------

  /**
   * Submits a job. With a `clientToken` used before for the same spec, returns that earlier job;
   * `created` tells which (the controller answers 201 or 200). The same token with a different
   * spec fails with 409 `IDEMPOTENT_PARAMETER_MISMATCH`.
   */
  async submitJob(spec: JobSpecInput, call: CallOptions = {}): Promise<SubmittedJob> {
    // With a clientToken a resend cannot make a second job: that is what the token is for.
    const [status, job] = await this.http.jsonWithStatus<Job>('POST', '/v1/jobs', {
      body: spec,
      ...call,
      idempotent: spec.clientToken !== undefined,
    });
    // Not enumerable: the result is still exactly the API's job when printed or serialized.
    return Object.defineProperty(job, 'created', { value: status === 201, enumerable: false }) as SubmittedJob;
  }

  listJobs(query: JobQuery = {}, call: CallOptions = {}): Promise<List<Job>> {
    const state = typeof query.state === 'string' ? query.state : query.state?.join(',');
    return this.http.json('GET', '/v1/jobs', { query: { ...query, state }, ...call });
  }

  /** Every job matching `query`, page after page. */
  listAllJobs(query: Omit<JobQuery, 'cursor'> = {}, call: CallOptions = {}): AsyncGenerator<Job> {
    return paginate((cursor) => this.listJobs({ ...query, cursor }, call));
  }

  getJob(id: string, call: CallOptions = {}): Promise<Job> {
    return this.http.json('GET', jobPath(id), call);
  }

  /** The job's spec as it was submitted (templates named, not expanded). */
  getJobSpec(id: string, call: CallOptions = {}): Promise<JobSpec> {
    return this.http.json('GET', `${jobPath(id)}/spec`, call);
  }

  stopJob(id: string, call: CallOptions = {}): Promise<Job> {
    return this.http.json('POST', `${jobPath(id)}/stop`, { ...call, idempotent: true });
  }

  /** Re-runs the instances of a FAILED/STOPPED job that did not succeed. */
  restartJob(id: string, call: CallOptions = {}): Promise<Job> {
    return this.http.json('POST', `${jobPath(id)}/restart`, call);
  }

  deleteJob(id: string, call: CallOptions = {}): Promise<void> {
    return this.http.empty('DELETE', jobPath(id), call);
  }

  // --- instances and logs ----------------------------------------------------------------------

  listInstances(jobId: string, task: string, query: PageQuery = {}, call: CallOptions = {}): Promise<List<Instance>> {
    return this.http.json('GET', instancesPath(jobId, task), { query: { ...query }, ...call });
  }

  listAllInstances(
    jobId: string,
    task: string,
    query: Omit<PageQuery, 'cursor'> = {},
    call: CallOptions = {},
  ): AsyncGenerator<Instance> {
    return paginate((cursor) => this.listInstances(jobId, task, { ...query, cursor }, call));
  }

  getInstance(jobId: string, task: string, index: number, call: CallOptions = {}): Promise<Instance> {
    return this.http.json('GET', `${instancesPath(jobId, task)}/${segment(index)}`, call);
  }

  /**
   * The raw output of one attempt of an instance, as chunks of bytes. With `follow`, the stream
   * stays open until the attempt ends; break out of the loop (or abort `signal`) to stop early.
   */
  logs(jobId: string, task: string, index: number, options: LogOptions = {}): Promise<AsyncIterable<Uint8Array>> {
    const { stream, follow, attempt, ...call } = options;
    return this.http.stream(`${instancesPath(jobId, task)}/${segment(index)}/logs`, {
      query: { stream, follow: follow ? true : undefined, attempt },
      ...call,
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
            query.onOpen?.();
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
        if (!isTransient(error) || signal?.aborted) throw error;
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

  /**
   * Resolves with the job once it has finished (SUCCEEDED, FAILED or STOPPED), or met `until`.
   * Follows the job's events, so it hears of the end at once, and reconnects across controller
   * restarts; polls besides (`pollMs`). Throws `WaitTimeoutError` (naming the job and its last
   * state) after `timeoutMs`; an API error such as 404 (the job was deleted) ends the wait.
   */
  waitForJob(id: string, options: WaitOptions = {}): Promise<Job> {
    return waitForJob(this, id, options);
  }

  // --- templates -------------------------------------------------------------------------------

  /** Creates a template; fails with 409 CONFLICT when the name is taken (see `replaceTemplate`). */
  createTemplate(spec: TemplateSpec, call: CallOptions = {}): Promise<Template> {
    return this.http.json('POST', '/v1/templates', { body: spec, ...call });
  }

  replaceTemplate(name: string, spec: TemplateSpec, call: CallOptions = {}): Promise<Template> {
    return this.http.json('PUT', templatePath(name), { body: spec, ...call });
  }

  listTemplates(query: PageQuery = {}, call: CallOptions = {}): Promise<List<Template>> {
    return this.http.json('GET', '/v1/templates', { query: { ...query }, ...call });
  }

  getTemplate(name: string, call: CallOptions = {}): Promise<Template> {
    return this.http.json('GET', templatePath(name), call);
  }

  deleteTemplate(name: string, call: CallOptions = {}): Promise<void> {
    return this.http.empty('DELETE', templatePath(name), call);
  }

  // --- compute environments --------------------------------------------------------------------

  /** `all`: auto environments with no nodes too (they are listed while they have nodes). */
  listEnvironments(
    query: PageQuery & { all?: boolean } = {},
    call: CallOptions = {},
  ): Promise<List<ComputeEnvironment>> {
    const { all, ...page } = query;
    return this.http.json('GET', '/v1/compute-environments', {
      query: { ...page, ...(all ? { all: 'true' } : {}) },
      ...call,
    });
  }

  createEnvironment(spec: CreateEnvironment, call: CallOptions = {}): Promise<ComputeEnvironment> {
    return this.http.json('POST', '/v1/compute-environments', { body: spec, ...call });
  }

  getEnvironment(name: string, call: CallOptions = {}): Promise<ComputeEnvironment> {
    return this.http.json('GET', environmentPath(name), call);
  }

  /**
   * Sets a managed environment's desired node count. A scale-in takes idle nodes first and lets
   * busy ones finish their instances; `force` deletes busy ones at once (their instances re-queued).
   */
  scaleEnvironment(
    name: string,
    desiredNodes: number,
    options: { force?: boolean } & CallOptions = {},
  ): Promise<ComputeEnvironment> {
    const { force, ...call } = options;
    return this.http.json('POST', `${environmentPath(name)}/scale`, {
      body: { desiredNodes, ...(force ? { force: true } : {}) },
      ...call,
      idempotent: true,
    });
  }

  deleteEnvironment(name: string, call: CallOptions = {}): Promise<void> {
    return this.http.empty('DELETE', environmentPath(name), call);
  }

  /**
   * A token a new node exchanges, at its first start, for its own credential; it works for
   * `ttlSeconds` (default 7 days) and for `maxUses` registrations (default: any number).
   */
  createRegistrationToken(
    environment: string,
    options: { ttlSeconds?: number; maxUses?: number } = {},
    call: CallOptions = {},
  ): Promise<RegistrationToken> {
    return this.http.json('POST', `${environmentPath(environment)}/tokens`, { body: options, ...call });
  }

  /** The environment's registration tokens (never the tokens themselves). */
  listRegistrationTokens(environment: string, call: CallOptions = {}): Promise<List<RegistrationTokenInfo>> {
    return this.http.json('GET', `${environmentPath(environment)}/tokens`, call);
  }

  /** From now on no node can register with this token. */
  revokeRegistrationToken(environment: string, id: string, call: CallOptions = {}): Promise<void> {
    return this.http.empty('DELETE', `${environmentPath(environment)}/tokens/${segment(id)}`, call);
  }

  // --- nodes -----------------------------------------------------------------------------------

  /** `all`: TERMINATED nodes too (kept for the retention period); `environment`: only its nodes. */
  listNodes(
    query: PageQuery & { all?: boolean; environment?: string } = {},
    call: CallOptions = {},
  ): Promise<List<Node>> {
    const { all, ...rest } = query;
    return this.http.json('GET', '/v1/nodes', { query: { ...rest, ...(all ? { all: 'true' } : {}) }, ...call });
  }

  /**
   * Removes a node: no new work, and its provider deletes it once its instances have finished
   * (`force`: at once, its instances re-queued). A hand-joined node is disconnected.
   */
  deleteNode(id: string, options: { force?: boolean } & CallOptions = {}): Promise<Node> {
    const { force, ...call } = options;
    return this.http.json('DELETE', `/v1/nodes/${segment(id)}`, { query: force ? { force: 'true' } : {}, ...call });
  }

  getNode(id: string, call: CallOptions = {}): Promise<Node> {
    return this.http.json('GET', `/v1/nodes/${segment(id)}`, call);
  }

  /** Stops placing work on a node; running instances finish. */
  drainNode(id: string, call: CallOptions = {}): Promise<Node> {
    return this.http.json('POST', `/v1/nodes/${segment(id)}/drain`, { ...call, idempotent: true });
  }

  /** Undoes a drain: the node takes new work again. */
  undrainNode(id: string, call: CallOptions = {}): Promise<Node> {
    return this.http.json('POST', `/v1/nodes/${segment(id)}/undrain`, { ...call, idempotent: true });
  }

  // --- users and tokens ------------------------------------------------------------------------

  /** Admin only. The returned token is shown only this once. */
  createUser(spec: { name: string; admin?: boolean }, call: CallOptions = {}): Promise<CreatedUser> {
    return this.http.json('POST', '/v1/users', { body: spec, ...call });
  }

  /** Admin only: the controllers sharing the database, the duties each holds, its agents. */
  listControllers(call: CallOptions = {}): Promise<List<ControllerInfo>> {
    return this.http.json('GET', '/v1/controllers', call);
  }

  listUsers(query: PageQuery = {}, call: CallOptions = {}): Promise<List<User>> {
    return this.http.json('GET', '/v1/users', { query: { ...query }, ...call });
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
    call: CallOptions = {},
  ): Promise<User> {
    // It sets the quotas it names to values: sending it twice leaves them the same.
    return this.http.json('PATCH', `/v1/users/${segment(name)}`, { body: { quotas }, ...call, idempotent: true });
  }

  /** Admin only: a disabled user's tokens are refused from the next request on. */
  disableUser(name: string, call: CallOptions = {}): Promise<User> {
    return this.http.json('POST', `/v1/users/${segment(name)}/disable`, { ...call, idempotent: true });
  }

  enableUser(name: string, call: CallOptions = {}): Promise<User> {
    return this.http.json('POST', `/v1/users/${segment(name)}/enable`, { ...call, idempotent: true });
  }

  /** Admin only. Refused while the user has unfinished jobs, unless `force` (which stops them). */
  deleteUser(name: string, options: { force?: boolean } & CallOptions = {}): Promise<void> {
    const { force, ...call } = options;
    return this.http.empty('DELETE', `/v1/users/${segment(name)}`, {
      query: force ? { force: 'true' } : {},
      ...call,
    });
  }

  /** A new token for the calling user; `ttlSeconds` absent: until revoked. Shown only this once. */
  createToken(spec: { name?: string; ttlSeconds?: number } = {}, call: CallOptions = {}): Promise<Token> {
    return this.http.json('POST', '/v1/tokens', { body: spec, ...call });
  }

  /** The caller's tokens; an admin may name a user, or `*` for everyone's. */
  listTokens(query: { user?: string } = {}, call: CallOptions = {}): Promise<List<TokenInfo>> {
    return this.http.json('GET', '/v1/tokens', { query: { ...query }, ...call });
  }

  /** Revokes a token at once (the caller's own; anyone's for an admin). */
  revokeToken(id: string, call: CallOptions = {}): Promise<void> {
    return this.http.empty('DELETE', `/v1/tokens/${segment(id)}`, call);
  }

  /** Admin only: security events, newest first. */
  listAuditEvents(query: PageQuery & { action?: string } = {}, call: CallOptions = {}): Promise<List<AuditEvent>> {
    return this.http.json('GET', '/v1/audit', { query: { ...query }, ...call });
  }

  // --- object storage ------------------------------------------------------------------------

  /** Buckets the caller owns (all of them for an admin). */
  listBuckets(call: CallOptions = {}): Promise<List<Bucket>> {
    return this.http.json('GET', '/v1/oss', call);
  }

  /** Objects under an `oss://bucket/prefix` URL, one page. */
  listObjects(url: string, query: PageQuery = {}, call: CallOptions = {}): Promise<List<ObjectEntry>> {
    const { bucket, key } = parseOssUrl(url);
    return this.http.json('GET', `/v1/oss/${segment(bucket)}`, { query: { prefix: key, ...query }, ...call });
  }

  /** Uploads bytes to an `oss://bucket/key` URL; with `sha256`, the controller rejects a corrupted upload. */
  putObject(url: string, body: BodyInit, options: { sha256?: string } & CallOptions = {}): Promise<ObjectEntry> {
    const { bucket, key } = parseOssUrl(url);
    const { sha256, ...call } = options;
    return this.http.json('PUT', objectPath(bucket, key), {
      raw: body,
      ...(sha256 ? { headers: { 'x-batch-sha256': sha256 } } : {}),
      ...call,
    });
  }

  /** Downloads an object as chunks of bytes. */
  getObject(url: string, call: CallOptions = {}): Promise<AsyncIterable<Uint8Array>> {
    const { bucket, key } = parseOssUrl(url);
    return this.http.stream(objectPath(bucket, key), call);
  }

  // --- schedules -------------------------------------------------------------------------------

  /** The caller's schedules by name; an admin may pass `owner: 'all'`. */
  listSchedules(query: PageQuery & { owner?: 'all' } = {}, call: CallOptions = {}): Promise<List<Schedule>> {
    return this.http.json('GET', '/v1/schedules', { query: { ...query }, ...call });
  }

  /** Creates a schedule; its job spec is checked now as a submit would check it. */
  createSchedule(spec: ScheduleSpec, call: CallOptions = {}): Promise<ScheduleDetail> {
    return this.http.json('POST', '/v1/schedules', { body: spec, ...call });
  }

  /** A schedule with its next run times and its recent runs (tick → job, or why not). */
  getSchedule(name: string, call: CallOptions = {}): Promise<ScheduleDetail> {
    return this.http.json('GET', schedulePath(name), call);
  }

  /** No tick runs while paused, and none is caught up on resume. */
  pauseSchedule(name: string, call: CallOptions = {}): Promise<ScheduleDetail> {
    return this.http.json('POST', `${schedulePath(name)}/pause`, { ...call, idempotent: true });
  }

  resumeSchedule(name: string, call: CallOptions = {}): Promise<ScheduleDetail> {
    return this.http.json('POST', `${schedulePath(name)}/resume`, { ...call, idempotent: true });
  }

  /** Deletes the schedule and its run history; the jobs it submitted stay. */
  deleteSchedule(name: string, call: CallOptions = {}): Promise<void> {
    return this.http.empty('DELETE', schedulePath(name), call);
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
