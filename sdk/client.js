import { paginate } from './paginate.js';
import { segment, Transport } from './transport.js';
export class BatchClient {
    http;
    constructor(options) {
        this.http = new Transport(options);
    }
    /** The base URL requests go to, without a trailing slash. */
    get url() {
        return this.http.baseUrl;
    }
    health() {
        return this.http.json('GET', '/healthz');
    }
    openapi() {
        return this.http.json('GET', '/v1/openapi.json');
    }
    // --- jobs ------------------------------------------------------------------------------------
    /** Submits a job. With a `clientToken` used before, returns that earlier job instead. */
    submitJob(spec) {
        return this.http.json('POST', '/v1/jobs', { body: spec });
    }
    listJobs(query = {}) {
        return this.http.json('GET', '/v1/jobs', { query: { ...query } });
    }
    /** Every job matching `query`, page after page. */
    listAllJobs(query = {}) {
        return paginate((cursor) => this.listJobs({ ...query, cursor }));
    }
    getJob(id) {
        return this.http.json('GET', jobPath(id));
    }
    stopJob(id) {
        return this.http.json('POST', `${jobPath(id)}/stop`);
    }
    /** Re-runs the instances of a FAILED/STOPPED job that did not succeed. */
    restartJob(id) {
        return this.http.json('POST', `${jobPath(id)}/restart`);
    }
    deleteJob(id) {
        return this.http.empty('DELETE', jobPath(id));
    }
    // --- instances and logs ----------------------------------------------------------------------
    listInstances(jobId, task, query = {}) {
        return this.http.json('GET', instancesPath(jobId, task), { query: { ...query } });
    }
    listAllInstances(jobId, task, query = {}) {
        return paginate((cursor) => this.listInstances(jobId, task, { ...query, cursor }));
    }
    getInstance(jobId, task, index) {
        return this.http.json('GET', `${instancesPath(jobId, task)}/${segment(index)}`);
    }
    /**
     * The raw output of one attempt of an instance, as chunks of bytes. With `follow`, the stream
     * stays open until the attempt ends; break out of the loop (or abort `signal`) to stop early.
     */
    logs(jobId, task, index, options = {}) {
        const { stream, follow, attempt, signal } = options;
        return this.http.stream(`${instancesPath(jobId, task)}/${segment(index)}/logs`, {
            query: { stream, follow: follow ? true : undefined, attempt },
            signal,
        });
    }
    // --- templates -------------------------------------------------------------------------------
    /** Creates a template; fails with 409 CONFLICT when the name is taken (see `replaceTemplate`). */
    createTemplate(spec) {
        return this.http.json('POST', '/v1/templates', { body: spec });
    }
    replaceTemplate(name, spec) {
        return this.http.json('PUT', templatePath(name), { body: spec });
    }
    listTemplates(query = {}) {
        return this.http.json('GET', '/v1/templates', { query: { ...query } });
    }
    getTemplate(name) {
        return this.http.json('GET', templatePath(name));
    }
    deleteTemplate(name) {
        return this.http.empty('DELETE', templatePath(name));
    }
    // --- compute environments --------------------------------------------------------------------
    listEnvironments(query = {}) {
        return this.http.json('GET', '/v1/compute-environments', { query: { ...query } });
    }
    createEnvironment(spec) {
        return this.http.json('POST', '/v1/compute-environments', { body: spec });
    }
    getEnvironment(name) {
        return this.http.json('GET', environmentPath(name));
    }
    scaleEnvironment(name, desiredNodes) {
        return this.http.json('POST', `${environmentPath(name)}/scale`, { body: { desiredNodes } });
    }
    deleteEnvironment(name) {
        return this.http.empty('DELETE', environmentPath(name));
    }
    /**
     * A token a new node exchanges, at its first start, for its own credential; it works for
     * `ttlSeconds` (default 7 days) and for `maxUses` registrations (default: any number).
     */
    createRegistrationToken(environment, options = {}) {
        return this.http.json('POST', `${environmentPath(environment)}/tokens`, { body: options });
    }
    /** The environment's registration tokens (never the tokens themselves). */
    listRegistrationTokens(environment) {
        return this.http.json('GET', `${environmentPath(environment)}/tokens`);
    }
    /** From now on no node can register with this token. */
    revokeRegistrationToken(environment, id) {
        return this.http.empty('DELETE', `${environmentPath(environment)}/tokens/${segment(id)}`);
    }
    // --- nodes -----------------------------------------------------------------------------------
    listNodes(query = {}) {
        return this.http.json('GET', '/v1/nodes', { query: { ...query } });
    }
    getNode(id) {
        return this.http.json('GET', `/v1/nodes/${segment(id)}`);
    }
    /** Stops placing work on a node; running instances finish. */
    drainNode(id) {
        return this.http.json('POST', `/v1/nodes/${segment(id)}/drain`);
    }
    /** Undoes a drain: the node takes new work again. */
    undrainNode(id) {
        return this.http.json('POST', `/v1/nodes/${segment(id)}/undrain`);
    }
    // --- users and tokens ------------------------------------------------------------------------
    /** Admin only. The returned token is shown only this once. */
    createUser(spec) {
        return this.http.json('POST', '/v1/users', { body: spec });
    }
    listUsers(query = {}) {
        return this.http.json('GET', '/v1/users', { query: { ...query } });
    }
    /** Admin only: override some of a user's quotas (SPEC §8). */
    updateUserQuotas(name, quotas) {
        return this.http.json('PATCH', `/v1/users/${segment(name)}`, { body: { quotas } });
    }
    /** Admin only: a disabled user's tokens are refused from the next request on. */
    disableUser(name) {
        return this.http.json('POST', `/v1/users/${segment(name)}/disable`);
    }
    enableUser(name) {
        return this.http.json('POST', `/v1/users/${segment(name)}/enable`);
    }
    /** Admin only. Refused while the user has unfinished jobs, unless `force` (which stops them). */
    deleteUser(name, options = {}) {
        return this.http.empty('DELETE', `/v1/users/${segment(name)}`, {
            query: options.force ? { force: 'true' } : {},
        });
    }
    /** A new token for the calling user; `ttlSeconds` absent: until revoked. Shown only this once. */
    createToken(spec = {}) {
        return this.http.json('POST', '/v1/tokens', { body: spec });
    }
    /** The caller's tokens; an admin may name a user, or `*` for everyone's. */
    listTokens(query = {}) {
        return this.http.json('GET', '/v1/tokens', { query: { ...query } });
    }
    /** Revokes a token at once (the caller's own; anyone's for an admin). */
    revokeToken(id) {
        return this.http.empty('DELETE', `/v1/tokens/${segment(id)}`);
    }
    /** Admin only: security events, newest first. */
    listAuditEvents(query = {}) {
        return this.http.json('GET', '/v1/audit', { query: { ...query } });
    }
    // --- object storage ------------------------------------------------------------------------
    /** Buckets the caller owns (all of them for an admin). */
    listBuckets() {
        return this.http.json('GET', '/v1/oss');
    }
    /** Objects under an `oss://bucket/prefix` URL, one page. */
    listObjects(url, query = {}) {
        const { bucket, key } = parseOssUrl(url);
        return this.http.json('GET', `/v1/oss/${segment(bucket)}`, { query: { prefix: key, ...query } });
    }
    /** Uploads bytes to an `oss://bucket/key` URL; with `sha256`, the controller rejects a corrupted upload. */
    putObject(url, body, options = {}) {
        const { bucket, key } = parseOssUrl(url);
        return this.http.json('PUT', objectPath(bucket, key), {
            raw: body,
            ...(options.sha256 ? { headers: { 'x-batch-sha256': options.sha256 } } : {}),
        });
    }
    /** Downloads an object as chunks of bytes. */
    getObject(url) {
        const { bucket, key } = parseOssUrl(url);
        return this.http.stream(objectPath(bucket, key));
    }
    // --- schedules -------------------------------------------------------------------------------
    /** The caller's schedules by name; an admin may pass `owner: 'all'`. */
    listSchedules(query = {}) {
        return this.http.json('GET', '/v1/schedules', { query: { ...query } });
    }
    /** Creates a schedule; its job spec is checked now as a submit would check it. */
    createSchedule(spec) {
        return this.http.json('POST', '/v1/schedules', { body: spec });
    }
    /** A schedule with its next run times and its recent runs (tick → job, or why not). */
    getSchedule(name) {
        return this.http.json('GET', schedulePath(name));
    }
    /** No tick runs while paused, and none is caught up on resume. */
    pauseSchedule(name) {
        return this.http.json('POST', `${schedulePath(name)}/pause`);
    }
    resumeSchedule(name) {
        return this.http.json('POST', `${schedulePath(name)}/resume`);
    }
    /** Deletes the schedule and its run history; the jobs it submitted stay. */
    deleteSchedule(name) {
        return this.http.empty('DELETE', schedulePath(name));
    }
}
const objectPath = (bucket, key) => `/v1/oss/${segment(bucket)}/${key.split('/').map(segment).join('/')}`;
/** Splits `oss://bucket/key`; the controller checks the rest. */
export function parseOssUrl(url) {
    const m = /^oss:\/\/([^/]+)\/?(.*)$/.exec(url);
    if (!m)
        throw new TypeError(`"${url}" is not an oss://bucket/key URL`);
    return { bucket: m[1], key: m[2] };
}
const jobPath = (id) => `/v1/jobs/${segment(id)}`;
const instancesPath = (jobId, task) => `${jobPath(jobId)}/tasks/${segment(task)}/instances`;
const templatePath = (name) => `/v1/templates/${segment(name)}`;
const schedulePath = (name) => `/v1/schedules/${segment(name)}`;
const environmentPath = (name) => `/v1/compute-environments/${segment(name)}`;
//# sourceMappingURL=client.js.map