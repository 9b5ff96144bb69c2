/**
 * The types of hpc-jupyter's REST API (api/openapi.yaml) and the service token.
 *
 * The wire types are generated from the spec (schema.ts); `HPC` names them as the rest of
 * the labextension has always known them. Field names stay as sent (snake_case).
 */
import { Token } from '@lumino/coreutils';

import * as protocol from './protocol';
import type { components } from './schema';
import type { HPCService } from './service';

type Schemas = components['schemas'];

export namespace HPC {
  /** The API version this labextension speaks (`api_version` of GET /hpc/api/info). */
  export const API_VERSION = protocol.API_VERSION;

  export type IInfo = Schemas['Info'];

  export type Capability = Schemas['Capability'];

  export type ISystem = Schemas['System'];

  export type IAuth = Schemas['Facility']['auth'];

  export type IFacility = Schemas['Facility'];

  export type FileType = Schemas['FileEntry']['type'];

  export type IFileEntry = Schemas['FileEntry'];

  export type IListing = Schemas['Listing'];

  export type JobState = Schemas['JobState'];

  export type IJob = Schemas['Job'];

  /**
   * Why a job listing is not fresh (`JobList.stale`): listing the jobs again failed, so the
   * jobs are the last good listing. Times are Unix seconds.
   */
  export type IStaleness = Schemas['Staleness'];

  /** GET .../jobs: the jobs, and `stale` only when they are the last good listing. */
  export type IJobList = Schemas['JobList'];

  /** A partition (queue) jobs can be submitted to (GET .../partitions). */
  export type IPartition = Schemas['Partition'];

  export type IJobRequest = Schemas['JobRequest'];
  /** Where a submission came from (notebook, cell, the job it submits again). */
  export type IOrigin = Schemas['Origin'];
  /** How a job was submitted: the server's record, or the facility's copy of its script. */
  export type ISubmission = Schemas['Submission'];

  /** What a facility with `status` says about itself (GET .../status). */
  export type IFacilityStatus = Schemas['FacilityStatus'];
  export type ISystemHealth = Schemas['SystemHealth'];
  export type INotice = Schemas['Notice'];
  export type IAllocation = Schemas['Allocation'];
  export type IStatusSource = Schemas['StatusSource'];
  /** A part of the status: `systems`, `notices`, `partitions` or `allocations`. */
  export type StatusPart = Schemas['StatusSource']['part'];

  /** What a job request would cost and what stands in its way (POST .../jobs/check). */
  export type ISubmitCheck = Schemas['SubmitCheck'];

  /** How a finished job used what it asked for (`Job.efficiency`). */
  export type IEfficiency = Schemas['Efficiency'];

  /** The bodies of POST .../files/mkdir, .../files/move (and copy), .../files/delete. */
  export type IMkdirRequest = Schemas['MkdirRequest'];
  export type ITransferRequest = Schemas['TransferRequest'];
  export type IDeleteRequest = Schemas['DeleteRequest'];

  export type IOutputChunk = Schemas['OutputChunk'];

  /** A login to a facility with `auth.login` (GET/POST/DELETE .../login); never a credential. */
  export type ILogin = Schemas['Login'];

  /** The body of POST .../login/code: the code the user pasted from the provider's page. */
  export type ILoginCode = Schemas['LoginCode'];

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
  export const JOB_STATE_EVENT = protocol.JOB_STATE_EVENT;
}

/** The hpc-jupyter service: the one way the UI plugins reach /hpc/api. */
export const IHPCService = new Token<HPCService>(
  'hpc-jupyter:IHPCService',
  'Calls the hpc-jupyter REST API of the Jupyter server.'
);
