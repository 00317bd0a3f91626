/** The typed TypeScript client of the Batch HTTP API, used by batchctl and the console. */
export { BatchClient, parseOssUrl } from './client.js';
export { ApiRequestError, ConnectionError, RequestTimeoutError, WaitTimeoutError, type ErrorDetail } from './errors.js';
export { collectAll, paginate } from './paginate.js';
export type { WaitOptions } from './wait-for-job.js';
export { serverSentEvents, type ServerSentEvent } from './server-sent-events.js';
export type {
  Bucket,
  CallOptions,
  ClientOptions,
  CreatedUser,
  EventQuery,
  JobQuery,
  LogOptions,
  ObjectEntry,
  PageQuery,
  RetryOptions,
  Schedule,
  ScheduleDetail,
  ScheduleRun,
  ScheduleSpec,
  SubmittedJob,
} from './types.js';
export type {
  Attempt,
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
  TaskView,
  Template,
  Token,
  TokenInfo,
  User,
} from '../protocol/api.js';
export type { JobSpec, JobSpecInput, TemplateSpec } from '../protocol/spec.js';
