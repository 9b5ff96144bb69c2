/**
 * The types of hpc-jupyter's REST API (api/openapi.yaml) and the service token.
 *
 * Field names mirror the API's JSON (snake_case on the wire); they are kept as sent so a
 * model can be checked against the OpenAPI document without a mapping layer.
 */
import { Token } from '@lumino/coreutils';

import type { HPCService } from './service';

export namespace HPC {
  /** The API version this labextension speaks (`api_version` of GET /hpc/api/info). */
  export const API_VERSION = 1;

  export interface IInfo {
    version: string;
    api_version: number;
  }

  export type Capability =
    | 'files.read'
    | 'files.write'
    | 'files.chmod'
    | 'files.chown'
    | 'files.checksum'
    | 'files.head_tail'
    | 'jobs.submit'
    | 'jobs.list'
    | 'jobs.cancel'
    | 'jobs.output'
    | 'jobs.partitions'
    | 'jobs.hold'
    | 'jobs.requeue';

  export interface ISystem {
    name: string;
    status: string;
    default: boolean;
    home: string | null;
  }

  export interface IAuth {
    status: 'none' | 'ok' | 'expired' | 'error' | 'unknown' | 'misconfigured';
    message: string | null;
  }

  export interface IFacility {
    name: string;
    kind: string;
    default_system: string;
    systems: ISystem[];
    capabilities: Capability[];
    auth: IAuth;
    poll_interval: number;
  }

  export type FileType = 'file' | 'directory' | 'link' | 'other';

  export interface IFileEntry {
    name: string;
    path: string;
    type: FileType;
    size: number;
    permissions: string;
    user: string;
    group: string;
    modified: number;
    link_target: string | null;
  }

  export interface IListing {
    path: string;
    entries: IFileEntry[];
  }

  export type JobState =
    | 'PENDING'
    | 'RUNNING'
    | 'COMPLETING'
    | 'COMPLETED'
    | 'FAILED'
    | 'CANCELLED'
    | 'TIMEOUT'
    | 'OUT_OF_MEMORY'
    | 'NODE_FAIL'
    | 'SUSPENDED'
    | 'UNKNOWN';

  export interface IJob {
    id: string;
    name: string;
    state: JobState;
    raw_state: string;
    facility: string;
    system: string;
    user: string;
    account: string | null;
    partition: string | null;
    nodes: number | null;
    submit_time: number | null;
    start_time: number | null;
    end_time: number | null;
    time_limit: number | null;
    exit_code: number | null;
    workdir: string | null;
    stdout: string | null;
    stderr: string | null;
    reason: string | null;
    array_job_id: string | null;
    array_task_id: string | null;
  }

  /**
   * Why a job listing is not fresh (`JobList.stale`): listing the jobs again failed, so the
   * jobs are the last good listing. Times are Unix seconds.
   */
  export interface IStaleness {
    /** The newest failure, for a person. */
    message: string;
    /** Its stable word (`unavailable`, `timeout`...). */
    reason: string;
    /** When listings started failing. */
    failed_at: number;
    /** When the listing served was made. */
    listed_at: number;
  }

  /** GET .../jobs: the jobs, and `stale` only when they are the last good listing. */
  export interface IJobList {
    jobs: IJob[];
    stale?: IStaleness;
  }

  /** A partition (queue) jobs can be submitted to (GET .../partitions). */
  export interface IPartition {
    name: string;
    /** Jobs that name no partition go here; null when the facility does not say. */
    default: boolean | null;
    state: string;
    /** The longest time limit allowed, in seconds; null when unlimited or unknown. */
    max_time: number | null;
    nodes: number | null;
  }

  export interface IJobRequest {
    script: string;
    name?: string;
    partition?: string;
    account?: string;
    nodes?: number;
    time_limit?: number;
    workdir?: string;
    env?: Record<string, string>;
    stdout?: string;
    stderr?: string;
  }

  export interface IOutputChunk {
    data: string;
    offset: number;
    complete: boolean;
  }

  /** A `job_state` server event (hpc_jupyter/event_schemas/job_state/v1.yaml). */
  export interface IJobStateEvent {
    facility: string;
    system: string;
    job_id: string;
    name?: string;
    state: JobState;
    previous_state?: JobState | null;
    exit_code?: number | null;
  }

  /** The schema id of job state events. */
  export const JOB_STATE_EVENT =
    'https://hpc-jupyter.github.io/events/job_state/v1';
}

/** The hpc-jupyter service: the one way the UI plugins reach /hpc/api. */
export const IHPCService = new Token<HPCService>(
  'hpc-jupyter:IHPCService',
  'Calls the hpc-jupyter REST API of the Jupyter server.'
);
