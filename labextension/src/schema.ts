/**
 * The REST API's types, generated from api/openapi.yaml by openapi-typescript: do not edit.
 * Regenerate with `npm run schema`; `make test` fails while this file is out of date.
 */
export interface paths {
  '/hpc/api/info': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Version handshake
     * @description The server extension's version and the version of this API. The Lab panel and the kernel client call it first and report a missing extension (404) or an incompatible version.
     */
    get: operations['getInfo'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/hpc/api/facilities': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Every configured facility
     * @description Facilities in configuration order. Never contains a credential.
     */
    get: operations['listFacilities'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/hpc/api/kernels/{kernel_id}/notebook': {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description A kernel's id on this server (jupyter_server's UUID); 1 to 128 letters, digits, `_` or `-`, else 400. */
        kernel_id: components['parameters']['kernel_id'];
      };
      cookie?: never;
    };
    /**
     * The notebook of a kernel's session, as it is named now
     * @description A kernel knows its notebook by the name it had when the kernel started; JupyterLab moves the session along when the notebook is renamed. The kernel client asks this before recording where a submission came from and when it filters "this notebook's" jobs. `notebook` is null for a kernel of no notebook (a console).
     */
    get: operations['getKernelNotebook'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/hpc/api/facilities/{facility}': {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description A facility's configured name. */
        facility: components['parameters']['facility'];
      };
      cookie?: never;
    };
    /**
     * One facility
     * @description Its kind, systems, capabilities, credential status and job poll interval.
     */
    get: operations['getFacility'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/hpc/api/facilities/{facility}/status': {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description A facility's configured name. */
        facility: components['parameters']['facility'];
      };
      cookie?: never;
    };
    /**
     * What the facility says about itself
     * @description Offered by facilities with the `status` capability; others answer 400 (`not_supported`). The health of its systems, the incidents and maintenance windows that are on or ahead, its partitions with their limits, and the user's accounts with what is left of each allocation, in the facility's own units. Each part is null where the facility cannot tell it or asking failed (`sources` says which call gave each part, when, and why one failed): never an empty part for a failure. Kept for 60 seconds however many ask; `refresh=true` asks the facility again. A facility that refuses the credentials for every part answers 401.
     */
    get: operations['getFacilityStatus'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/hpc/api/facilities/{facility}/jobs/check': {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description A facility's configured name. */
        facility: components['parameters']['facility'];
      };
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * What a job request would cost and what stands in its way
     * @description Nothing is submitted. From the facility's status (as `GET .../status` answers it): the request's node hours (nodes × time limit, from its fields or else its `#SBATCH` lines), the charge in the unit of the account's allocation where it can be worked out, that allocation, and warnings: a time limit beyond the partition's, an unknown or down partition, an allocation the job would exceed or that is spent, a system down or degraded, a maintenance under way or starting before the job could end. The user may still submit. Offered by facilities with the `status` capability.
     */
    post: operations['checkJob'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/hpc/api/facilities/{facility}/files': {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description A facility's configured name. */
        facility: components['parameters']['facility'];
      };
      cookie?: never;
    };
    /**
     * List a directory
     * @description The entries of a directory (without `.` and `..`), sorted by name. Without `path`, the system's home directory (the facility's root for the `local` kind), whose path the answer names.
     */
    get: operations['listFiles'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/hpc/api/facilities/{facility}/files/stat': {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description A facility's configured name. */
        facility: components['parameters']['facility'];
      };
      cookie?: never;
    };
    /**
     * One entry
     * @description One file, directory or link; a final symbolic link is described, not followed.
     */
    get: operations['statFile'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/hpc/api/facilities/{facility}/files/head': {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description A facility's configured name. */
        facility: components['parameters']['facility'];
      };
      cookie?: never;
    };
    /**
     * The first lines of a text file
     * @description Like `head -n`: the first `lines` lines of a regular file, as UTF-8 text (undecodable bytes become U+FFFD). At most 1 MiB of text is returned; when the lines asked for are longer, the text is cut at its end and `truncated` is true. Only facilities with the `files.head_tail` capability offer it (else 400, `not_supported`).
     */
    get: operations['headFile'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/hpc/api/facilities/{facility}/files/tail': {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description A facility's configured name. */
        facility: components['parameters']['facility'];
      };
      cookie?: never;
    };
    /**
     * The last lines of a text file
     * @description Like `tail -n`: the last `lines` lines of a regular file, as UTF-8 text (undecodable bytes become U+FFFD). At most 1 MiB of text is returned; when the lines asked for are longer, the text is cut at its start and `truncated` is true. Only facilities with the `files.head_tail` capability offer it (else 400, `not_supported`).
     */
    get: operations['tailFile'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/hpc/api/facilities/{facility}/files/checksum': {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description A facility's configured name. */
        facility: components['parameters']['facility'];
      };
      cookie?: never;
    };
    /**
     * The SHA-256 of a file
     * @description Computed where the file is (streamed, for files of any size). Only facilities with the `files.checksum` capability offer it (else 400, `not_supported`).
     */
    get: operations['checksumFile'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/hpc/api/facilities/{facility}/files/content': {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description A facility's configured name. */
        facility: components['parameters']['facility'];
      };
      cookie?: never;
    };
    /**
     * Stream a file (or a byte range of it) down
     * @description The bytes of a regular file, streamed in chunks (never held whole in the server's memory), from `offset` and at most `length` bytes (to the end without `length`). A range past the end of the file gives an empty body. `Content-Length` is the number of bytes sent. Always 200, never 206: the range is given by the query, not a `Range` header.
     */
    get: operations['downloadFile'];
    /**
     * Stream a request body into a file (atomic)
     * @description The body is streamed to a temporary name beside the target and renamed to the target only once all of it has arrived, so a broken upload never leaves a half-written file under the target name; an existing file is replaced and keeps its permissions. The target's directory must exist. Credentials are checked before any byte of the body is accepted. A body whose Content-Length exceeds the server's `HPCJupyterApp.max_upload_size` is refused with 413 before any of it is read; a chunked body that grows past it has its connection closed, and nothing is written.
     */
    put: operations['uploadFile'];
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/hpc/api/facilities/{facility}/files/mkdir': {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description A facility's configured name. */
        facility: components['parameters']['facility'];
      };
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Create a directory
     * @description With `parents`, missing parents are created too and an existing directory is not an error; without it the directory must not exist (409) and its parent must (404).
     */
    post: operations['makeDirectory'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/hpc/api/facilities/{facility}/files/move': {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description A facility's configured name. */
        facility: components['parameters']['facility'];
      };
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Rename or move
     * @description Never replaces an existing target (409); a link is moved, not its target.
     */
    post: operations['moveFile'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/hpc/api/facilities/{facility}/files/copy': {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description A facility's configured name. */
        facility: components['parameters']['facility'];
      };
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Copy a file or a directory tree
     * @description Never replaces an existing target (409); links inside a tree are copied as links.
     */
    post: operations['copyFile'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/hpc/api/facilities/{facility}/files/delete': {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description A facility's configured name. */
        facility: components['parameters']['facility'];
      };
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Remove a file, a link or a directory
     * @description A link is removed, not its target. A non-empty directory only with `recursive` (else 409). The facility's root directory is never removed (403).
     */
    post: operations['deleteFile'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/hpc/api/facilities/{facility}/files/chmod': {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description A facility's configured name. */
        facility: components['parameters']['facility'];
      };
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Change permissions */
    post: operations['changeMode'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/hpc/api/facilities/{facility}/files/chown': {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description A facility's configured name. */
        facility: components['parameters']['facility'];
      };
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Change owner and/or group
     * @description By user and group names, as the facility knows them; give `owner`, `group` or both. The facility allows what the user may do there: usually only root may give a file to another user (403), and a group must be one of the owner's. Only facilities with the `files.chown` capability offer it (else 400, `not_supported`).
     */
    post: operations['changeOwner'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/hpc/api/facilities/{facility}/jobs': {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description A facility's configured name. */
        facility: components['parameters']['facility'];
      };
      cookie?: never;
    };
    /**
     * The user's jobs
     * @description Current jobs and the finished ones the facility still reports. However many clients ask, the facility is listed at most once per poll interval (`Facility.poll_interval`): the answer may be up to that old. State changes are also published as `https://hpc-jupyter.github.io/events/job_state/v1` server events. A failed listing is never answered as a fresh one: when the newest listing failed, the answer is the last good listing with `stale` saying why and since when (no state change is published from it), or the error itself when there was no good listing yet or when the facility refused our credentials (401). A facility that is down is asked once per poll interval too, however many clients ask; once it answers again, `stale` is gone. The answer carries an `ETag` (and `Cache-Control: no-cache`): a client sending it back in `If-None-Match` gets `304` with no body while the listing is unchanged; any change (a job's, the listing turning stale or fresh again) gives a new tag.
     */
    get: operations['listJobs'];
    put?: never;
    /**
     * Submit a batch script
     * @description Fields of the request override the script's `#SBATCH` directives, which override the facility's defaults. Idempotent with an `Idempotency-Key`: a request repeating a key already used for this facility and system (within 24 hours, across server restarts and by every server of the user on one data directory) submits nothing and answers the job of the first request, as first recorded, even while that one is still in flight in the same server; a refused submission (400, 401, 403, 404, 409, 429) forgets its key, so it can be retried. The key is 409 `conflict` when it was used with a different request, and when its submission's outcome is unknown (the facility's answer was lost to a dropped connection, a timeout or a 5xx; the server stopped during it; another server is still submitting it): the facility may have taken the job, so check the job list before submitting again with a new key.
     */
    post: operations['submitJob'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/hpc/api/facilities/{facility}/jobs/{job_id}': {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description A facility's configured name. */
        facility: components['parameters']['facility'];
        /** @description The job's id on the facility: 1 to 128 visible ASCII characters other than `/` (such as `42`, `123_4` or a UUID). Anything else (a space, a control character, a non-ASCII character, even a digit such as a fullwidth one) is 400 before the facility is asked; a Slurm id Slurm never gives (`0`) is 404. */
        job_id: components['parameters']['job_id'];
      };
      cookie?: never;
    };
    /**
     * One job
     * @description From the job watcher's listing while it is fresh, else from the facility (never from a stale listing: when the facility cannot be reached, its error is the answer).
     */
    get: operations['getJob'];
    put?: never;
    post?: never;
    /**
     * Cancel a job
     * @description A pending job never starts; a running one is signalled (SIGTERM, then SIGKILL after a grace period, for the `local` kind). A job that has already ended gives 409.
     */
    delete: operations['cancelJob'];
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/hpc/api/facilities/{facility}/jobs/{job_id}/hold': {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description A facility's configured name. */
        facility: components['parameters']['facility'];
        /** @description The job's id on the facility: 1 to 128 visible ASCII characters other than `/` (such as `42`, `123_4` or a UUID). Anything else (a space, a control character, a non-ASCII character, even a digit such as a fullwidth one) is 400 before the facility is asked; a Slurm id Slurm never gives (`0`) is 404. */
        job_id: components['parameters']['job_id'];
      };
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Hold a pending job
     * @description Keeps a pending job from starting (Slurm's `scontrol hold`: reason `JobHeldUser`). Only with the `jobs.hold` capability (else 400, `not_supported`); a job that is not pending gives 409.
     */
    post: operations['holdJob'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/hpc/api/facilities/{facility}/jobs/{job_id}/release': {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description A facility's configured name. */
        facility: components['parameters']['facility'];
        /** @description The job's id on the facility: 1 to 128 visible ASCII characters other than `/` (such as `42`, `123_4` or a UUID). Anything else (a space, a control character, a non-ASCII character, even a digit such as a fullwidth one) is 400 before the facility is asked; a Slurm id Slurm never gives (`0`) is 404. */
        job_id: components['parameters']['job_id'];
      };
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Release a held job
     * @description Lets a held job be scheduled again (Slurm's `scontrol release`). Only with the `jobs.hold` capability; a job that is not held gives 409, one held by an administrator 403.
     */
    post: operations['releaseJob'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/hpc/api/facilities/{facility}/jobs/{job_id}/requeue': {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description A facility's configured name. */
        facility: components['parameters']['facility'];
        /** @description The job's id on the facility: 1 to 128 visible ASCII characters other than `/` (such as `42`, `123_4` or a UUID). Anything else (a space, a control character, a non-ASCII character, even a digit such as a fullwidth one) is 400 before the facility is asked; a Slurm id Slurm never gives (`0`) is 404. */
        job_id: components['parameters']['job_id'];
      };
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Requeue a running job
     * @description Stops a running job and puts it back in the queue (Slurm's `scontrol requeue`; the job must be requeueable, e.g. submitted with `--requeue`). Only with the `jobs.requeue` capability; a job that is not running, or may not be requeued, gives 409.
     */
    post: operations['requeueJob'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/hpc/api/facilities/{facility}/login': {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description A facility's configured name. */
        facility: components['parameters']['facility'];
      };
      cookie?: never;
    };
    /**
     * Where the user's login to the facility stands
     * @description Only with the `auth.login` capability (else 400, `not_supported`): facilities whose credentials come from a login the user makes (OAuth device flow, Globus native-app login). Never contains a credential. A panel polls this while a login is pending.
     */
    get: operations['getLogin'];
    put?: never;
    /**
     * Start a login
     * @description Starts a new login, replacing one still pending: for the `device` flow the server asks the identity provider for a user code and polls its token endpoint itself; for the `globus` flow it answers with the URL where the user authorizes and gets a code to paste back (`POST .../login/code`). The tokens stay in the server (a 0600 file in its data directory); the answer says only where the user goes and what to type.
     */
    post: operations['startLogin'];
    /**
     * Log out
     * @description Forgets the user's tokens for the facility (and a pending login); the facility's auth status becomes `expired` until the user logs in again.
     */
    delete: operations['logout'];
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/hpc/api/facilities/{facility}/login/code': {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description A facility's configured name. */
        facility: components['parameters']['facility'];
      };
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Finish a login with the code the user pasted
     * @description For flows that end with a code the user copies from the identity provider's page (`globus`). 409 when no login is pending; 400 when the provider does not accept the code (the login stays pending, so the user can paste it again).
     */
    post: operations['finishLogin'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/hpc/api/facilities/{facility}/partitions': {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description A facility's configured name. */
        facility: components['parameters']['facility'];
      };
      cookie?: never;
    };
    /**
     * The partitions (queues) jobs can be submitted to
     * @description Offered by facilities with the `jobs.partitions` capability; others answer 400 (`not_supported`). Forms use it for their partition choices.
     */
    get: operations['listPartitions'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/hpc/api/facilities/{facility}/jobs/{job_id}/output': {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description A facility's configured name. */
        facility: components['parameters']['facility'];
        /** @description The job's id on the facility: 1 to 128 visible ASCII characters other than `/` (such as `42`, `123_4` or a UUID). Anything else (a space, a control character, a non-ASCII character, even a digit such as a fullwidth one) is 400 before the facility is asked; a Slurm id Slurm never gives (`0`) is 404. */
        job_id: components['parameters']['job_id'];
      };
      cookie?: never;
    };
    /**
     * Follow a job's log
     * @description A piece of the job's stdout or stderr from a byte `offset`, decoded as UTF-8 (never splitting a character: an incomplete last character is left for the next read). To follow a log, call again with the returned `offset` until `complete` is true (the job has ended and everything was read).
     */
    get: operations['readJobOutput'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/hpc/api/facilities/{facility}/jobs/{job_id}/submission': {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description A facility's configured name. */
        facility: components['parameters']['facility'];
        /** @description The job's id on the facility: 1 to 128 visible ASCII characters other than `/` (such as `42`, `123_4` or a UUID). Anything else (a space, a control character, a non-ASCII character, even a digit such as a fullwidth one) is 400 before the facility is asked; a Slurm id Slurm never gives (`0`) is 404. */
        job_id: components['parameters']['job_id'];
      };
      cookie?: never;
    };
    /**
     * How a job was submitted
     * @description The server's record of the job's submission (its script, options and `origin`), kept 90 days (the newest 10,000 per facility). For a job submitted elsewhere, the facility's own copy of its script where the facility keeps one (`recorded: false`: slurm-cli while slurmctld knows the job, slurmrestd from accounting that stores scripts, FirecREST v2 from the job's metadata); else 404.
     */
    get: operations['getJobSubmission'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
}
export type webhooks = Record<string, never>;
export interface components {
  schemas: {
    Error: {
      /** @description What went wrong, for a person; never a credential or a traceback. */
      message: string;
      /**
       * @description A stable word for programs (the class of `hpc_jupyter.errors`); null for errors raised by Jupyter itself (a missing credential, a failed XSRF check, a bug).
       * @enum {string|null}
       */
      reason?:
        | 'error'
        | 'bad_request'
        | 'not_supported'
        | 'forbidden'
        | 'not_found'
        | 'conflict'
        | 'too_large'
        | 'facility_error'
        | 'facility_auth'
        | 'rate_limited'
        | 'unavailable'
        | 'misconfigured'
        | 'timeout'
        | null;
      /** @description Jupyter's backward compatibility on "Unhandled error"; always empty. */
      traceback?: string;
    };
    KernelNotebook: {
      /**
       * @description The notebook's path from the server's root; null for no notebook.
       * @example runs/fit.ipynb
       */
      notebook: string | null;
    };
    Info: {
      /**
       * @description The hpc-jupyter package version.
       * @example 0.1.0
       */
      version: string;
      /** @description The version of this API; it changes only on incompatible changes. */
      api_version: number;
    };
    FacilityList: {
      facilities: components['schemas']['Facility'][];
    };
    Facility: {
      name: string;
      /** @description The facility kind (`local`, `slurmrestd`, `firecrest`, ...). */
      kind: string;
      /** @description null when the facility could not be reached (see `auth`). */
      default_system: string | null;
      systems: components['schemas']['System'][];
      /** @description What the facility can do, sorted; user interfaces hide the rest. */
      capabilities: components['schemas']['Capability'][];
      /** @description The state of the facility's credentials; never a credential. */
      auth: {
        /**
         * @description `none`: no credential needed. `expired`, `error`: the credentials were refused or cannot be read; `unknown`: the token service cannot be reached now. `misconfigured`: the server's configuration of this facility is wrong (the message names the key); it has no systems and no capabilities, and every other route of it answers 502 `misconfigured` until the configuration is fixed and the server restarted.
         * @enum {string}
         */
        status:
          'none' | 'ok' | 'expired' | 'error' | 'unknown' | 'misconfigured';
        /** @description What the user should do when the status is `expired`, `error`, `unknown` or `misconfigured`. */
        message: string | null;
      };
      /** @description Seconds between two listings of the facility's jobs. */
      poll_interval: number;
      /** @description The command that runs Python in the facility's jobs (the facility's `python` option, used by the kernel's `hpc.executor`); null on the `local` facility unless set: the kernel's own interpreter. */
      python: string | null;
    };
    System: {
      name: string;
      /** @description As the facility reports it, e.g. `available`. */
      status: string;
      /** @description True for exactly one system of a facility. */
      default: boolean;
      /** @description The directory a file view opens at. */
      home: string | null;
    };
    /** @enum {string} */
    Capability:
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
      | 'jobs.requeue'
      | 'auth.login'
      | 'status'
      | 'jobs.efficiency'
      | 'jobs.arrays'
      | 'jobs.dependencies';
    /** @description A login the user makes to a facility. Never a credential: only where to go, what to type, and where things stand. */
    Login: {
      /**
       * @description `device`: OAuth 2.0 device authorization (RFC 8628); open `verification_uri` and enter `user_code`, the server notices by itself. `globus`: Globus native-app login with PKCE; open `authorize_url`, then paste the code shown there back.
       * @enum {string}
       */
      flow: 'device' | 'globus';
      /**
       * @description `pending` until the user completes it at the provider (or it expires or is refused, back to `logged_out` with a `message`); `logged_in` while the server holds tokens it can use or renew.
       * @enum {string}
       */
      state: 'logged_out' | 'pending' | 'logged_in';
      /** @description What the user should do now, or why the last login ended. */
      message: string | null;
      /** @description `device`: where to enter the code. */
      verification_uri?: string | null;
      /** @description `device`: the same page with the code filled in, when the provider offers it. */
      verification_uri_complete?: string | null;
      /** @description `device`: the code to enter. */
      user_code?: string | null;
      /** @description `globus`: the page where the user authorizes and gets the code to paste. */
      authorize_url?: string | null;
      /** @description When a pending login request expires (Unix seconds). */
      expires_at?: number | null;
      /** @description Seconds between two looks at a pending login. */
      interval?: number | null;
      /** @description When the login itself ends (the refresh token's expiry, Unix seconds), if the provider says; the user logs in again then. */
      logged_in_until?: number | null;
    };
    LoginCode: {
      /** @description The code the provider showed after the user authorized. */
      code: string;
    };
    Listing: {
      /** @description The directory listed (the home directory when none was asked for). */
      path: string;
      entries: components['schemas']['FileEntry'][];
      /** @description How many entries the directory holds; only when `offset` or `limit` was given. */
      total?: number;
    };
    FileEntry: {
      /** @description The last part of the path (`.` for the facility's root). */
      name: string;
      path: string;
      /** @enum {string} */
      type: 'file' | 'directory' | 'link' | 'other';
      size: number;
      /** @description As `ls -l` shows them, e.g. `-rw-r--r--`. */
      permissions: string;
      user: string;
      group: string;
      /** @description Last modification, in Unix seconds. */
      modified: number;
      /** @description Where a symbolic link points; null for anything else. */
      link_target: string | null;
    };
    /** @description A path, checked like the `path` query parameter: at most 4096 bytes of UTF-8, names of at most 255 bytes, no NUL. */
    Path: string;
    MkdirRequest: {
      path: components['schemas']['Path'];
      /**
       * @description Create missing parents; an existing directory is then not an error.
       * @default false
       */
      parents?: boolean;
    };
    TransferRequest: {
      source: components['schemas']['Path'];
      /** @description The new path; it must not exist, and must end with the new entry's name (not `/`, `.` or `..`). */
      target: components['schemas']['Path'];
    };
    DeleteRequest: {
      path: components['schemas']['Path'];
      /**
       * @description Remove a directory with everything in it.
       * @default false
       */
      recursive?: boolean;
    };
    ChmodRequest: {
      path: components['schemas']['Path'];
      /** @description Octal, like `755` or `0640`. */
      mode: string;
    };
    ChownRequest: {
      path: components['schemas']['Path'];
      /** @description The new owner's user name; absent or empty leaves the owner as it is. */
      owner?: string;
      /** @description The new group's name; absent or empty leaves the group as it is. */
      group?: string;
    };
    FileExcerpt: {
      /** @description The lines, each ending in `\n` (the file's last may not). */
      data: string;
      /** @description How many lines `data` holds; fewer than asked when the file is shorter. */
      lines: number;
      /** @description The lines asked for exceed 1 MiB; `data` holds the 1 MiB nearest the file's head (or tail). */
      truncated: boolean;
    };
    Checksum: {
      /** @enum {string} */
      algorithm: 'sha256';
      /** @description Lowercase hex. */
      checksum: string;
    };
    /** @description Fields left out fall back to the script's `#SBATCH` directives, then to the facility's defaults. Unknown fields are refused (400). */
    JobRequest: {
      /** @description The batch script (1 MiB at most), usually starting with `#!/bin/bash`. */
      script: string;
      name?: string;
      partition?: string;
      account?: string;
      nodes?: number;
      /** @description Seconds. The local facility accepts at most 31536000 (365 days). */
      time_limit?: number;
      /** @description The directory the job runs in; default the facility's home directory. */
      workdir?: string;
      /** @description Extra environment variables of the job. */
      env?: {
        [key: string]: string;
      };
      /** @description Where stdout goes, with sbatch's `%j` (job id), `%x` (name), `%u` (user). */
      stdout?: string;
      /** @description Where stderr goes; default with stdout. */
      stderr?: string;
      /** @description Run the script as a job array of these task indexes (Slurm's `--array`): `0-9`, `1,3,5-7`, `0-20:2`, `0-99%8` (at most 8 at once). Each task sees its index as `SLURM_ARRAY_TASK_ID` and the array's id as `SLURM_ARRAY_JOB_ID`. Only where the facility declares `jobs.arrays`. */
      array?: string;
      /** @description Jobs of the same facility and system this one waits for, as `dependency` says. Only where the facility declares `jobs.dependencies`. */
      depends_on?: string[];
      dependency?: components['schemas']['Dependency'];
      origin?: components['schemas']['Origin'];
    };
    Submission: {
      facility: string;
      system: string;
      job_id: string;
      request: components['schemas']['JobRequest'];
      /** @description When the server recorded it (Unix seconds); null when not recorded. */
      submitted_at: number | null;
      /** @description Whether the server recorded the submission; false when only the facility's copy of the script is known (`request` then holds that script alone). */
      recorded: boolean;
    };
    /**
     * @description When a job may start after the jobs it depends on: once each completed with exit code 0 (`afterok`), once each ended however (`afterany`), once each ended other than completed (`afternotok`). A job whose dependency can no longer be met stays pending with that reason, as Slurm keeps it.
     * @default afterok
     * @enum {string}
     */
    Dependency: 'afterok' | 'afterany' | 'afternotok';
    /** @description Where a submission came from. Clients fill it in (the kernel side from the notebook's session and the cell's id); the server keeps it with its record of the submission and shows it in every `Job` it knows the submission of. */
    Origin: {
      /**
       * @default other
       * @enum {string}
       */
      via?:
        'magic' | 'api' | 'widget' | 'executor' | 'sweep' | 'panel' | 'other';
      /** @description The notebook's path as the Jupyter server names it (relative to its root). */
      notebook?: string | null;
      /** @description JupyterLab's id of the cell that submitted the job. */
      cell?: string | null;
      /** @description The job (of the same facility and system) this one submits again. */
      resubmit_of?: string | null;
    };
    /**
     * @description A job's state, in Slurm's words; every facility's states map onto these.
     * @enum {string}
     */
    JobState:
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
    /** @description A batch job. Times are Unix seconds; limits are seconds. */
    Job: {
      id: string;
      name: string;
      state: components['schemas']['JobState'];
      /** @description The state in the facility's own words. */
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
      /** @description The directory the job runs in. On the local facility it is relative to this server's root when under it, else absolute (a job submitted from a server started elsewhere). */
      workdir: string | null;
      /** @description The path of the job's stdout, as the facility sees it (on the local facility, like `workdir`: relative under this server's root, else absolute). */
      stdout: string | null;
      stderr: string | null;
      /** @description Why the job waits or why it failed, in the facility's words. */
      reason: string | null;
      /** @description For a task of a job array, the array's job id (Slurm's `%A`). */
      array_job_id: string | null;
      /** @description For a task of a job array, its index; a range such as `4-6` for tasks that are still pending together (Slurm lists them as one record). */
      array_task_id: string | null;
      /** @description How a finished job used what it asked for, where the facility's accounting tells (`jobs.efficiency`); only in `GET .../jobs/{job_id}`, null in listings and before the job ends. */
      efficiency: components['schemas']['Efficiency'] | (never | null);
      /** @description The jobs it waits (or waited) for, where the facility tells. */
      depends_on: string[];
      /** @description How it depends on `depends_on`; null when it depends on none. */
      dependency: components['schemas']['Dependency'] | (never | null);
      /** @description Where it was submitted from, from the server's record of its submission; null for a job submitted elsewhere (or before records were kept). */
      origin: components['schemas']['Origin'] | (never | null);
    };
    /** @description How a finished job used what it asked for. Each figure is null where the accounting does not tell it; `summary` says it all in words (out of memory, out of time, CPUs left idle...). Seconds and bytes. */
    Efficiency: {
      /** @enum {string} */
      outcome:
        | 'completed'
        | 'failed'
        | 'timeout'
        | 'out_of_memory'
        | 'cancelled'
        | 'node_fail'
        | 'unknown';
      summary: string;
      /** @description Where the figures come from (`sacct`, `slurmdb/v0.0.42 job`...); `none` when the accounting could not be read. */
      source: string;
      elapsed: number | null;
      time_limit: number | null;
      /** @description elapsed / time_limit */
      time_used: number | null;
      cpus: number | null;
      /** @description CPU seconds (user + system) */
      cpu_time: number | null;
      /** @description cpu_time / (elapsed × cpus) */
      cpu_efficiency: number | null;
      /** @description Peak resident bytes of its largest task */
      memory_used: number | null;
      memory_requested: number | null;
      memory_efficiency: number | null;
      exit_code: number | null;
      signal: number | null;
    };
    FacilityStatus: {
      facility: string;
      system: string;
      systems: components['schemas']['SystemHealth'][] | null;
      /** @description Incidents and maintenance on now or ahead. */
      notices: components['schemas']['Notice'][] | null;
      partitions: components['schemas']['Partition'][] | null;
      allocations: components['schemas']['Allocation'][] | null;
      sources: components['schemas']['StatusSource'][];
    };
    SystemHealth: {
      name: string;
      /** @enum {string} */
      health: 'up' | 'degraded' | 'down' | 'unknown';
      message: string | null;
      checked_at: number | null;
    };
    Notice: {
      id: string;
      /** @enum {string} */
      kind: 'maintenance' | 'incident' | 'reservation';
      title: string;
      start: number | null;
      end: number | null;
      systems: string[];
      status: string | null;
    };
    /** @description An account the user may charge and what is left of it in one unit; the figures are null where the facility does not tell them (an account known by name only). */
    Allocation: {
      account: string;
      /** @description `node_hours`, `cpu_hours`, `gpu_hours`, `billing_hours`, `bytes`, `inodes`... */
      unit: string | null;
      allocated: number | null;
      used: number | null;
      remaining: number | null;
      default: boolean | null;
      /** @enum {string} */
      scope: 'project' | 'user';
      note: string | null;
    };
    StatusSource: {
      /** @enum {string} */
      part: 'systems' | 'notices' | 'partitions' | 'allocations';
      source: string;
      fetched_at: number;
      /** @description Why this part is missing (null when it came). */
      error: string | null;
    };
    SubmitCheck: {
      node_hours: number | null;
      charge: number | null;
      unit: string | null;
      allocation: components['schemas']['Allocation'] | (never | null);
      warnings: {
        code: string;
        message: string;
      }[];
    };
    PartitionList: {
      partitions: components['schemas']['Partition'][];
    };
    Partition: {
      name: string;
      /** @description Jobs that name no partition go here; null when it is not known (Slurm's REST API before v0.0.45 does not say which partition is the default, nor does FirecREST v2). */
      default: boolean | null;
      /** @description As the facility reports it, e.g. `UP`. */
      state: string;
      /** @description The longest time limit allowed, in seconds; null when unlimited or unknown. */
      max_time: number | null;
      nodes: number | null;
    };
    JobList: {
      jobs: components['schemas']['Job'][];
      stale?: components['schemas']['Staleness'];
    };
    /** @description Present only when the listing is not fresh: listing the jobs again failed, so `jobs` is the last good listing (made at `listed_at`). Show it as such, never as the current jobs. */
    Staleness: {
      /** @description The newest failure, for a person (as `Error.message`). */
      message: string;
      /** @description The newest failure's stable word (as `Error.reason`, e.g. `unavailable`). */
      reason: string;
      /** @description When listings started failing (Unix seconds): the first failure after the last good listing. */
      failed_at: number;
      /** @description When the listing in `jobs` was made (Unix seconds). */
      listed_at: number;
    };
    OutputChunk: {
      /** @description The text read (UTF-8; undecodable bytes become U+FFFD). */
      data: string;
      /** @description The byte offset to ask for next. */
      offset: number;
      /** @description The job has ended and the whole log has been read. */
      complete: boolean;
    };
  };
  responses: {
    /** @description Bad input (`bad_request`), or an operation this facility does not offer (`not_supported`). */
    BadRequest: {
      headers: {
        [name: string]: unknown;
      };
      content: {
        'application/json': components['schemas']['Error'];
      };
    };
    /** @description The facility refused or could not get our credentials (`facility_auth`): the user must log in to the facility again. Not a Jupyter authentication failure (that is 403). */
    FacilityAuth: {
      headers: {
        [name: string]: unknown;
      };
      content: {
        'application/json': components['schemas']['Error'];
      };
    };
    /** @description No valid Jupyter credential, not authorized by the server's authorizer, or a path or action the facility does not allow (`forbidden`). */
    Forbidden: {
      headers: {
        [name: string]: unknown;
      };
      content: {
        'application/json': components['schemas']['Error'];
      };
    };
    /** @description No such facility, system, file or job (`not_found`). */
    NotFound: {
      headers: {
        [name: string]: unknown;
      };
      content: {
        'application/json': components['schemas']['Error'];
      };
    };
    /** @description The target already exists or is not empty, or the job has already ended (`conflict`). */
    Conflict: {
      headers: {
        [name: string]: unknown;
      };
      content: {
        'application/json': components['schemas']['Error'];
      };
    };
    /** @description The upload is larger than this server accepts (`too_large`). */
    TooLarge: {
      headers: {
        [name: string]: unknown;
      };
      content: {
        'application/json': components['schemas']['Error'];
      };
    };
    /** @description The facility asked us to slow down (`rate_limited`); retry later. */
    RateLimited: {
      headers: {
        [name: string]: unknown;
      };
      content: {
        'application/json': components['schemas']['Error'];
      };
    };
    /** @description The facility failed (`facility_error`), is unreachable (`unavailable`), or cannot be used because the server's configuration of it is wrong (`misconfigured`). */
    BadGateway: {
      headers: {
        [name: string]: unknown;
      };
      content: {
        'application/json': components['schemas']['Error'];
      };
    };
    /** @description The facility did not answer in time (`timeout`). */
    GatewayTimeout: {
      headers: {
        [name: string]: unknown;
      };
      content: {
        'application/json': components['schemas']['Error'];
      };
    };
    /** @description An unexpected failure (`error`, e.g. a full disk), or a bug (`message` "Unhandled error", details only in the server log). */
    Unhandled: {
      headers: {
        [name: string]: unknown;
      };
      content: {
        'application/json': components['schemas']['Error'];
      };
    };
  };
  parameters: {
    /** @description A kernel's id on this server (jupyter_server's UUID); 1 to 128 letters, digits, `_` or `-`, else 400. */
    kernel_id: string;
    /** @description A facility's configured name. */
    facility: string;
    /** @description The job's id on the facility: 1 to 128 visible ASCII characters other than `/` (such as `42`, `123_4` or a UUID). Anything else (a space, a control character, a non-ASCII character, even a digit such as a fullwidth one) is 400 before the facility is asked; a Slurm id Slurm never gives (`0`) is 404. */
    job_id: string;
    /** @description One of the facility's systems; default its default system. */
    system: string;
    /** @description A path as the facility sees it, taken exactly as sent (spaces and control characters included): at most 4096 bytes of UTF-8, each name between slashes at most 255 bytes, no NUL (else 400, for every facility kind). For the `local` kind, relative to the facility's root, or absolute under it; a path leading outside the root (`..`, a symbolic link) is 403. A path ending in `/`, `.` or `..` names a directory: `dir/..` is the directory above `dir`. */
    path: string;
    /** @description How many lines; default 10. */
    lines: number;
  };
  requestBodies: never;
  headers: never;
  pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
  getInfo: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The versions. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Info'];
        };
      };
      403: components['responses']['Forbidden'];
      500: components['responses']['Unhandled'];
    };
  };
  listFacilities: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The facilities. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['FacilityList'];
        };
      };
      401: components['responses']['FacilityAuth'];
      403: components['responses']['Forbidden'];
      429: components['responses']['RateLimited'];
      500: components['responses']['Unhandled'];
      502: components['responses']['BadGateway'];
      504: components['responses']['GatewayTimeout'];
    };
  };
  getKernelNotebook: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description A kernel's id on this server (jupyter_server's UUID); 1 to 128 letters, digits, `_` or `-`, else 400. */
        kernel_id: components['parameters']['kernel_id'];
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The kernel's notebook, a path from the server's root, or null. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['KernelNotebook'];
        };
      };
      400: components['responses']['BadRequest'];
      403: components['responses']['Forbidden'];
      404: components['responses']['NotFound'];
      500: components['responses']['Unhandled'];
    };
  };
  getFacility: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description A facility's configured name. */
        facility: components['parameters']['facility'];
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The facility. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Facility'];
        };
      };
      401: components['responses']['FacilityAuth'];
      403: components['responses']['Forbidden'];
      404: components['responses']['NotFound'];
      429: components['responses']['RateLimited'];
      500: components['responses']['Unhandled'];
      502: components['responses']['BadGateway'];
      504: components['responses']['GatewayTimeout'];
    };
  };
  getFacilityStatus: {
    parameters: {
      query?: {
        /** @description One of the facility's systems; default its default system. */
        system?: components['parameters']['system'];
        /** @description Ask the facility again rather than answer what was kept. */
        refresh?: 'true' | 'false';
      };
      header?: never;
      path: {
        /** @description A facility's configured name. */
        facility: components['parameters']['facility'];
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The status. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['FacilityStatus'];
        };
      };
      400: components['responses']['BadRequest'];
      401: components['responses']['FacilityAuth'];
      403: components['responses']['Forbidden'];
      404: components['responses']['NotFound'];
      429: components['responses']['RateLimited'];
      500: components['responses']['Unhandled'];
      502: components['responses']['BadGateway'];
      504: components['responses']['GatewayTimeout'];
    };
  };
  checkJob: {
    parameters: {
      query?: {
        /** @description One of the facility's systems; default its default system. */
        system?: components['parameters']['system'];
      };
      header?: never;
      path: {
        /** @description A facility's configured name. */
        facility: components['parameters']['facility'];
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['JobRequest'];
      };
    };
    responses: {
      /** @description The estimate and the warnings (none when nothing stands in the way). */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['SubmitCheck'];
        };
      };
      400: components['responses']['BadRequest'];
      401: components['responses']['FacilityAuth'];
      403: components['responses']['Forbidden'];
      404: components['responses']['NotFound'];
      429: components['responses']['RateLimited'];
      500: components['responses']['Unhandled'];
      502: components['responses']['BadGateway'];
      504: components['responses']['GatewayTimeout'];
    };
  };
  listFiles: {
    parameters: {
      query?: {
        /** @description One of the facility's systems; default its default system. */
        system?: components['parameters']['system'];
        /** @description The directory; default (also when empty) the system's home directory. Checked like the `path` of the other routes. */
        path?: string;
        /** @description A page of the listing: skip this many entries (in name order) first. With `offset` or `limit` the answer also says `total`. Default 0. */
        offset?: number;
        /** @description A page of the listing: at most this many entries. Without it, every entry from `offset`. A client that shows the first rows of a large directory asks for a small first page, then for the rest. */
        limit?: number;
      };
      header?: never;
      path: {
        /** @description A facility's configured name. */
        facility: components['parameters']['facility'];
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The directory's entries. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Listing'];
        };
      };
      400: components['responses']['BadRequest'];
      401: components['responses']['FacilityAuth'];
      403: components['responses']['Forbidden'];
      404: components['responses']['NotFound'];
      429: components['responses']['RateLimited'];
      500: components['responses']['Unhandled'];
      502: components['responses']['BadGateway'];
      504: components['responses']['GatewayTimeout'];
    };
  };
  statFile: {
    parameters: {
      query: {
        /** @description One of the facility's systems; default its default system. */
        system?: components['parameters']['system'];
        /** @description A path as the facility sees it, taken exactly as sent (spaces and control characters included): at most 4096 bytes of UTF-8, each name between slashes at most 255 bytes, no NUL (else 400, for every facility kind). For the `local` kind, relative to the facility's root, or absolute under it; a path leading outside the root (`..`, a symbolic link) is 403. A path ending in `/`, `.` or `..` names a directory: `dir/..` is the directory above `dir`. */
        path: components['parameters']['path'];
      };
      header?: never;
      path: {
        /** @description A facility's configured name. */
        facility: components['parameters']['facility'];
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The entry. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['FileEntry'];
        };
      };
      400: components['responses']['BadRequest'];
      401: components['responses']['FacilityAuth'];
      403: components['responses']['Forbidden'];
      404: components['responses']['NotFound'];
      429: components['responses']['RateLimited'];
      500: components['responses']['Unhandled'];
      502: components['responses']['BadGateway'];
      504: components['responses']['GatewayTimeout'];
    };
  };
  headFile: {
    parameters: {
      query: {
        /** @description One of the facility's systems; default its default system. */
        system?: components['parameters']['system'];
        /** @description A path as the facility sees it, taken exactly as sent (spaces and control characters included): at most 4096 bytes of UTF-8, each name between slashes at most 255 bytes, no NUL (else 400, for every facility kind). For the `local` kind, relative to the facility's root, or absolute under it; a path leading outside the root (`..`, a symbolic link) is 403. A path ending in `/`, `.` or `..` names a directory: `dir/..` is the directory above `dir`. */
        path: components['parameters']['path'];
        /** @description How many lines; default 10. */
        lines?: components['parameters']['lines'];
      };
      header?: never;
      path: {
        /** @description A facility's configured name. */
        facility: components['parameters']['facility'];
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The lines. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['FileExcerpt'];
        };
      };
      400: components['responses']['BadRequest'];
      401: components['responses']['FacilityAuth'];
      403: components['responses']['Forbidden'];
      404: components['responses']['NotFound'];
      429: components['responses']['RateLimited'];
      500: components['responses']['Unhandled'];
      502: components['responses']['BadGateway'];
      504: components['responses']['GatewayTimeout'];
    };
  };
  tailFile: {
    parameters: {
      query: {
        /** @description One of the facility's systems; default its default system. */
        system?: components['parameters']['system'];
        /** @description A path as the facility sees it, taken exactly as sent (spaces and control characters included): at most 4096 bytes of UTF-8, each name between slashes at most 255 bytes, no NUL (else 400, for every facility kind). For the `local` kind, relative to the facility's root, or absolute under it; a path leading outside the root (`..`, a symbolic link) is 403. A path ending in `/`, `.` or `..` names a directory: `dir/..` is the directory above `dir`. */
        path: components['parameters']['path'];
        /** @description How many lines; default 10. */
        lines?: components['parameters']['lines'];
      };
      header?: never;
      path: {
        /** @description A facility's configured name. */
        facility: components['parameters']['facility'];
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The lines. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['FileExcerpt'];
        };
      };
      400: components['responses']['BadRequest'];
      401: components['responses']['FacilityAuth'];
      403: components['responses']['Forbidden'];
      404: components['responses']['NotFound'];
      429: components['responses']['RateLimited'];
      500: components['responses']['Unhandled'];
      502: components['responses']['BadGateway'];
      504: components['responses']['GatewayTimeout'];
    };
  };
  checksumFile: {
    parameters: {
      query: {
        /** @description One of the facility's systems; default its default system. */
        system?: components['parameters']['system'];
        /** @description A path as the facility sees it, taken exactly as sent (spaces and control characters included): at most 4096 bytes of UTF-8, each name between slashes at most 255 bytes, no NUL (else 400, for every facility kind). For the `local` kind, relative to the facility's root, or absolute under it; a path leading outside the root (`..`, a symbolic link) is 403. A path ending in `/`, `.` or `..` names a directory: `dir/..` is the directory above `dir`. */
        path: components['parameters']['path'];
      };
      header?: never;
      path: {
        /** @description A facility's configured name. */
        facility: components['parameters']['facility'];
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The checksum. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Checksum'];
        };
      };
      400: components['responses']['BadRequest'];
      401: components['responses']['FacilityAuth'];
      403: components['responses']['Forbidden'];
      404: components['responses']['NotFound'];
      429: components['responses']['RateLimited'];
      500: components['responses']['Unhandled'];
      502: components['responses']['BadGateway'];
      504: components['responses']['GatewayTimeout'];
    };
  };
  downloadFile: {
    parameters: {
      query: {
        /** @description One of the facility's systems; default its default system. */
        system?: components['parameters']['system'];
        /** @description A path as the facility sees it, taken exactly as sent (spaces and control characters included): at most 4096 bytes of UTF-8, each name between slashes at most 255 bytes, no NUL (else 400, for every facility kind). For the `local` kind, relative to the facility's root, or absolute under it; a path leading outside the root (`..`, a symbolic link) is 403. A path ending in `/`, `.` or `..` names a directory: `dir/..` is the directory above `dir`. */
        path: components['parameters']['path'];
        /** @description The first byte to send; default 0. ASCII digits only. */
        offset?: number;
        /** @description The most bytes to send; default up to the end of the file. */
        length?: number;
      };
      header?: never;
      path: {
        /** @description A facility's configured name. */
        facility: components['parameters']['facility'];
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The bytes. */
      200: {
        headers: {
          /** @description The number of bytes in the body. */
          'Content-Length'?: number;
          /** @description `attachment; filename*=UTF-8''<name>`, the file's own name. */
          'Content-Disposition'?: string;
          [name: string]: unknown;
        };
        content: {
          'application/octet-stream': string;
        };
      };
      400: components['responses']['BadRequest'];
      401: components['responses']['FacilityAuth'];
      403: components['responses']['Forbidden'];
      404: components['responses']['NotFound'];
      429: components['responses']['RateLimited'];
      500: components['responses']['Unhandled'];
      502: components['responses']['BadGateway'];
      504: components['responses']['GatewayTimeout'];
    };
  };
  uploadFile: {
    parameters: {
      query: {
        /** @description One of the facility's systems; default its default system. */
        system?: components['parameters']['system'];
        /** @description A path as the facility sees it, taken exactly as sent (spaces and control characters included): at most 4096 bytes of UTF-8, each name between slashes at most 255 bytes, no NUL (else 400, for every facility kind). For the `local` kind, relative to the facility's root, or absolute under it; a path leading outside the root (`..`, a symbolic link) is 403. A path ending in `/`, `.` or `..` names a directory: `dir/..` is the directory above `dir`. */
        path: components['parameters']['path'];
      };
      header?: never;
      path: {
        /** @description A facility's configured name. */
        facility: components['parameters']['facility'];
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/octet-stream': string;
      };
    };
    responses: {
      /** @description The file as written. */
      201: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['FileEntry'];
        };
      };
      400: components['responses']['BadRequest'];
      401: components['responses']['FacilityAuth'];
      403: components['responses']['Forbidden'];
      404: components['responses']['NotFound'];
      413: components['responses']['TooLarge'];
      429: components['responses']['RateLimited'];
      500: components['responses']['Unhandled'];
      502: components['responses']['BadGateway'];
      504: components['responses']['GatewayTimeout'];
    };
  };
  makeDirectory: {
    parameters: {
      query?: {
        /** @description One of the facility's systems; default its default system. */
        system?: components['parameters']['system'];
      };
      header?: never;
      path: {
        /** @description A facility's configured name. */
        facility: components['parameters']['facility'];
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['MkdirRequest'];
      };
    };
    responses: {
      /** @description The directory. */
      201: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['FileEntry'];
        };
      };
      400: components['responses']['BadRequest'];
      401: components['responses']['FacilityAuth'];
      403: components['responses']['Forbidden'];
      404: components['responses']['NotFound'];
      409: components['responses']['Conflict'];
      429: components['responses']['RateLimited'];
      500: components['responses']['Unhandled'];
      502: components['responses']['BadGateway'];
      504: components['responses']['GatewayTimeout'];
    };
  };
  moveFile: {
    parameters: {
      query?: {
        /** @description One of the facility's systems; default its default system. */
        system?: components['parameters']['system'];
      };
      header?: never;
      path: {
        /** @description A facility's configured name. */
        facility: components['parameters']['facility'];
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['TransferRequest'];
      };
    };
    responses: {
      /** @description The entry under its new path. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['FileEntry'];
        };
      };
      400: components['responses']['BadRequest'];
      401: components['responses']['FacilityAuth'];
      403: components['responses']['Forbidden'];
      404: components['responses']['NotFound'];
      409: components['responses']['Conflict'];
      429: components['responses']['RateLimited'];
      500: components['responses']['Unhandled'];
      502: components['responses']['BadGateway'];
      504: components['responses']['GatewayTimeout'];
    };
  };
  copyFile: {
    parameters: {
      query?: {
        /** @description One of the facility's systems; default its default system. */
        system?: components['parameters']['system'];
      };
      header?: never;
      path: {
        /** @description A facility's configured name. */
        facility: components['parameters']['facility'];
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['TransferRequest'];
      };
    };
    responses: {
      /** @description The copy. */
      201: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['FileEntry'];
        };
      };
      400: components['responses']['BadRequest'];
      401: components['responses']['FacilityAuth'];
      403: components['responses']['Forbidden'];
      404: components['responses']['NotFound'];
      409: components['responses']['Conflict'];
      429: components['responses']['RateLimited'];
      500: components['responses']['Unhandled'];
      502: components['responses']['BadGateway'];
      504: components['responses']['GatewayTimeout'];
    };
  };
  deleteFile: {
    parameters: {
      query?: {
        /** @description One of the facility's systems; default its default system. */
        system?: components['parameters']['system'];
      };
      header?: never;
      path: {
        /** @description A facility's configured name. */
        facility: components['parameters']['facility'];
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['DeleteRequest'];
      };
    };
    responses: {
      /** @description Removed. */
      204: {
        headers: {
          [name: string]: unknown;
        };
        content?: never;
      };
      400: components['responses']['BadRequest'];
      401: components['responses']['FacilityAuth'];
      403: components['responses']['Forbidden'];
      404: components['responses']['NotFound'];
      409: components['responses']['Conflict'];
      429: components['responses']['RateLimited'];
      500: components['responses']['Unhandled'];
      502: components['responses']['BadGateway'];
      504: components['responses']['GatewayTimeout'];
    };
  };
  changeMode: {
    parameters: {
      query?: {
        /** @description One of the facility's systems; default its default system. */
        system?: components['parameters']['system'];
      };
      header?: never;
      path: {
        /** @description A facility's configured name. */
        facility: components['parameters']['facility'];
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['ChmodRequest'];
      };
    };
    responses: {
      /** @description The entry with its new permissions. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['FileEntry'];
        };
      };
      400: components['responses']['BadRequest'];
      401: components['responses']['FacilityAuth'];
      403: components['responses']['Forbidden'];
      404: components['responses']['NotFound'];
      429: components['responses']['RateLimited'];
      500: components['responses']['Unhandled'];
      502: components['responses']['BadGateway'];
      504: components['responses']['GatewayTimeout'];
    };
  };
  changeOwner: {
    parameters: {
      query?: {
        /** @description One of the facility's systems; default its default system. */
        system?: components['parameters']['system'];
      };
      header?: never;
      path: {
        /** @description A facility's configured name. */
        facility: components['parameters']['facility'];
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['ChownRequest'];
      };
    };
    responses: {
      /** @description The entry with its new owner and group. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['FileEntry'];
        };
      };
      400: components['responses']['BadRequest'];
      401: components['responses']['FacilityAuth'];
      403: components['responses']['Forbidden'];
      404: components['responses']['NotFound'];
      429: components['responses']['RateLimited'];
      500: components['responses']['Unhandled'];
      502: components['responses']['BadGateway'];
      504: components['responses']['GatewayTimeout'];
    };
  };
  listJobs: {
    parameters: {
      query?: {
        /** @description One of the facility's systems; default its default system. */
        system?: components['parameters']['system'];
      };
      header?: {
        /** @description The `ETag` of the listing the client holds. */
        'If-None-Match'?: string;
      };
      path: {
        /** @description A facility's configured name. */
        facility: components['parameters']['facility'];
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The jobs. */
      200: {
        headers: {
          /** @description The listing's entity tag; the same bytes have the same tag. */
          ETag?: string;
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['JobList'];
        };
      };
      /** @description The listing is the one the `If-None-Match` tag names; no body. */
      304: {
        headers: {
          /** @description The listing's entity tag. */
          ETag?: string;
          [name: string]: unknown;
        };
        content?: never;
      };
      400: components['responses']['BadRequest'];
      401: components['responses']['FacilityAuth'];
      403: components['responses']['Forbidden'];
      404: components['responses']['NotFound'];
      429: components['responses']['RateLimited'];
      500: components['responses']['Unhandled'];
      502: components['responses']['BadGateway'];
      504: components['responses']['GatewayTimeout'];
    };
  };
  submitJob: {
    parameters: {
      query?: {
        /** @description One of the facility's systems; default its default system. */
        system?: components['parameters']['system'];
      };
      header?: {
        /** @description A client-chosen unique key (e.g. a UUID) making a retried submit safe. */
        'Idempotency-Key'?: string;
      };
      path: {
        /** @description A facility's configured name. */
        facility: components['parameters']['facility'];
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['JobRequest'];
      };
    };
    responses: {
      /** @description The job as first recorded (usually PENDING). */
      201: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Job'];
        };
      };
      400: components['responses']['BadRequest'];
      401: components['responses']['FacilityAuth'];
      403: components['responses']['Forbidden'];
      404: components['responses']['NotFound'];
      /** @description The Idempotency-Key was used with a different request, or its submission never finished (`conflict`); the message says which and what to do. */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      429: components['responses']['RateLimited'];
      500: components['responses']['Unhandled'];
      502: components['responses']['BadGateway'];
      504: components['responses']['GatewayTimeout'];
    };
  };
  getJob: {
    parameters: {
      query?: {
        /** @description One of the facility's systems; default its default system. */
        system?: components['parameters']['system'];
      };
      header?: never;
      path: {
        /** @description A facility's configured name. */
        facility: components['parameters']['facility'];
        /** @description The job's id on the facility: 1 to 128 visible ASCII characters other than `/` (such as `42`, `123_4` or a UUID). Anything else (a space, a control character, a non-ASCII character, even a digit such as a fullwidth one) is 400 before the facility is asked; a Slurm id Slurm never gives (`0`) is 404. */
        job_id: components['parameters']['job_id'];
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The job. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Job'];
        };
      };
      400: components['responses']['BadRequest'];
      401: components['responses']['FacilityAuth'];
      403: components['responses']['Forbidden'];
      404: components['responses']['NotFound'];
      429: components['responses']['RateLimited'];
      500: components['responses']['Unhandled'];
      502: components['responses']['BadGateway'];
      504: components['responses']['GatewayTimeout'];
    };
  };
  cancelJob: {
    parameters: {
      query?: {
        /** @description One of the facility's systems; default its default system. */
        system?: components['parameters']['system'];
      };
      header?: never;
      path: {
        /** @description A facility's configured name. */
        facility: components['parameters']['facility'];
        /** @description The job's id on the facility: 1 to 128 visible ASCII characters other than `/` (such as `42`, `123_4` or a UUID). Anything else (a space, a control character, a non-ASCII character, even a digit such as a fullwidth one) is 400 before the facility is asked; a Slurm id Slurm never gives (`0`) is 404. */
        job_id: components['parameters']['job_id'];
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The job, now CANCELLED (or on its way there). */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Job'];
        };
      };
      400: components['responses']['BadRequest'];
      401: components['responses']['FacilityAuth'];
      403: components['responses']['Forbidden'];
      404: components['responses']['NotFound'];
      409: components['responses']['Conflict'];
      429: components['responses']['RateLimited'];
      500: components['responses']['Unhandled'];
      502: components['responses']['BadGateway'];
      504: components['responses']['GatewayTimeout'];
    };
  };
  holdJob: {
    parameters: {
      query?: {
        /** @description One of the facility's systems; default its default system. */
        system?: components['parameters']['system'];
      };
      header?: never;
      path: {
        /** @description A facility's configured name. */
        facility: components['parameters']['facility'];
        /** @description The job's id on the facility: 1 to 128 visible ASCII characters other than `/` (such as `42`, `123_4` or a UUID). Anything else (a space, a control character, a non-ASCII character, even a digit such as a fullwidth one) is 400 before the facility is asked; a Slurm id Slurm never gives (`0`) is 404. */
        job_id: components['parameters']['job_id'];
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The job, still PENDING, with reason JobHeldUser. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Job'];
        };
      };
      400: components['responses']['BadRequest'];
      401: components['responses']['FacilityAuth'];
      403: components['responses']['Forbidden'];
      404: components['responses']['NotFound'];
      409: components['responses']['Conflict'];
      429: components['responses']['RateLimited'];
      500: components['responses']['Unhandled'];
      502: components['responses']['BadGateway'];
      504: components['responses']['GatewayTimeout'];
    };
  };
  releaseJob: {
    parameters: {
      query?: {
        /** @description One of the facility's systems; default its default system. */
        system?: components['parameters']['system'];
      };
      header?: never;
      path: {
        /** @description A facility's configured name. */
        facility: components['parameters']['facility'];
        /** @description The job's id on the facility: 1 to 128 visible ASCII characters other than `/` (such as `42`, `123_4` or a UUID). Anything else (a space, a control character, a non-ASCII character, even a digit such as a fullwidth one) is 400 before the facility is asked; a Slurm id Slurm never gives (`0`) is 404. */
        job_id: components['parameters']['job_id'];
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The job, PENDING and no longer held. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Job'];
        };
      };
      400: components['responses']['BadRequest'];
      401: components['responses']['FacilityAuth'];
      403: components['responses']['Forbidden'];
      404: components['responses']['NotFound'];
      409: components['responses']['Conflict'];
      429: components['responses']['RateLimited'];
      500: components['responses']['Unhandled'];
      502: components['responses']['BadGateway'];
      504: components['responses']['GatewayTimeout'];
    };
  };
  requeueJob: {
    parameters: {
      query?: {
        /** @description One of the facility's systems; default its default system. */
        system?: components['parameters']['system'];
      };
      header?: never;
      path: {
        /** @description A facility's configured name. */
        facility: components['parameters']['facility'];
        /** @description The job's id on the facility: 1 to 128 visible ASCII characters other than `/` (such as `42`, `123_4` or a UUID). Anything else (a space, a control character, a non-ASCII character, even a digit such as a fullwidth one) is 400 before the facility is asked; a Slurm id Slurm never gives (`0`) is 404. */
        job_id: components['parameters']['job_id'];
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The job, on its way back to PENDING. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Job'];
        };
      };
      400: components['responses']['BadRequest'];
      401: components['responses']['FacilityAuth'];
      403: components['responses']['Forbidden'];
      404: components['responses']['NotFound'];
      409: components['responses']['Conflict'];
      429: components['responses']['RateLimited'];
      500: components['responses']['Unhandled'];
      502: components['responses']['BadGateway'];
      504: components['responses']['GatewayTimeout'];
    };
  };
  getLogin: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description A facility's configured name. */
        facility: components['parameters']['facility'];
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The login. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Login'];
        };
      };
      400: components['responses']['BadRequest'];
      403: components['responses']['Forbidden'];
      404: components['responses']['NotFound'];
      500: components['responses']['Unhandled'];
    };
  };
  startLogin: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description A facility's configured name. */
        facility: components['parameters']['facility'];
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The login, now `pending`. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Login'];
        };
      };
      400: components['responses']['BadRequest'];
      403: components['responses']['Forbidden'];
      404: components['responses']['NotFound'];
      429: components['responses']['RateLimited'];
      500: components['responses']['Unhandled'];
      502: components['responses']['BadGateway'];
      504: components['responses']['GatewayTimeout'];
    };
  };
  logout: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description A facility's configured name. */
        facility: components['parameters']['facility'];
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The login, now `logged_out`. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Login'];
        };
      };
      400: components['responses']['BadRequest'];
      403: components['responses']['Forbidden'];
      404: components['responses']['NotFound'];
      500: components['responses']['Unhandled'];
    };
  };
  finishLogin: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description A facility's configured name. */
        facility: components['parameters']['facility'];
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['LoginCode'];
      };
    };
    responses: {
      /** @description The login, now `logged_in`. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Login'];
        };
      };
      400: components['responses']['BadRequest'];
      403: components['responses']['Forbidden'];
      404: components['responses']['NotFound'];
      409: components['responses']['Conflict'];
      429: components['responses']['RateLimited'];
      500: components['responses']['Unhandled'];
      502: components['responses']['BadGateway'];
      504: components['responses']['GatewayTimeout'];
    };
  };
  listPartitions: {
    parameters: {
      query?: {
        /** @description One of the facility's systems; default its default system. */
        system?: components['parameters']['system'];
      };
      header?: never;
      path: {
        /** @description A facility's configured name. */
        facility: components['parameters']['facility'];
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The partitions, as the facility reports them. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['PartitionList'];
        };
      };
      400: components['responses']['BadRequest'];
      401: components['responses']['FacilityAuth'];
      403: components['responses']['Forbidden'];
      404: components['responses']['NotFound'];
      429: components['responses']['RateLimited'];
      500: components['responses']['Unhandled'];
      502: components['responses']['BadGateway'];
      504: components['responses']['GatewayTimeout'];
    };
  };
  readJobOutput: {
    parameters: {
      query?: {
        /** @description One of the facility's systems; default its default system. */
        system?: components['parameters']['system'];
        stream?: 'stdout' | 'stderr';
        /** @description The byte offset to read from; default 0. */
        offset?: number;
        /** @description The most bytes to read; default 262144 (256 KiB), at most 4194304 (4 MiB, larger values are capped). 0 means the default. */
        length?: number;
      };
      header?: never;
      path: {
        /** @description A facility's configured name. */
        facility: components['parameters']['facility'];
        /** @description The job's id on the facility: 1 to 128 visible ASCII characters other than `/` (such as `42`, `123_4` or a UUID). Anything else (a space, a control character, a non-ASCII character, even a digit such as a fullwidth one) is 400 before the facility is asked; a Slurm id Slurm never gives (`0`) is 404. */
        job_id: components['parameters']['job_id'];
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The piece of the log. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['OutputChunk'];
        };
      };
      400: components['responses']['BadRequest'];
      401: components['responses']['FacilityAuth'];
      403: components['responses']['Forbidden'];
      404: components['responses']['NotFound'];
      429: components['responses']['RateLimited'];
      500: components['responses']['Unhandled'];
      502: components['responses']['BadGateway'];
      504: components['responses']['GatewayTimeout'];
    };
  };
  getJobSubmission: {
    parameters: {
      query?: {
        /** @description One of the facility's systems; default its default system. */
        system?: components['parameters']['system'];
      };
      header?: never;
      path: {
        /** @description A facility's configured name. */
        facility: components['parameters']['facility'];
        /** @description The job's id on the facility: 1 to 128 visible ASCII characters other than `/` (such as `42`, `123_4` or a UUID). Anything else (a space, a control character, a non-ASCII character, even a digit such as a fullwidth one) is 400 before the facility is asked; a Slurm id Slurm never gives (`0`) is 404. */
        job_id: components['parameters']['job_id'];
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description How the job was submitted. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Submission'];
        };
      };
      400: components['responses']['BadRequest'];
      401: components['responses']['FacilityAuth'];
      403: components['responses']['Forbidden'];
      404: components['responses']['NotFound'];
      429: components['responses']['RateLimited'];
      500: components['responses']['Unhandled'];
      502: components['responses']['BadGateway'];
      504: components['responses']['GatewayTimeout'];
    };
  };
}
