/**
 * HPCService: one typed method per /hpc/api endpoint, over an injected requester.
 *
 * Free of JupyterLab imports so jest can run it; `request.ts` supplies the requester that
 * goes through ServerConnection.
 */
import type { JobAction } from './jobs';
import { HPC } from './tokens';

/** What a request may carry. */
export interface IRequestInit {
  method?: string;
  /** A JSON body (sent as application/json). */
  json?: unknown;
  headers?: Record<string, string>;
}

/** How the service reaches the server: `request.ts` in Lab, a fake in tests. */
export interface IRequester {
  /**
   * Resolve with the response of a 2xx answer, or of a 304 to a request that sent
   * `If-None-Match`; reject with an HPCRequestError otherwise.
   */
  request(endPoint: string, init?: IRequestInit): Promise<Response>;
  /** PUT a body, reporting progress; resolve with the JSON answer. */
  upload(
    endPoint: string,
    data: Blob,
    onProgress: (loaded: number, total: number) => void
  ): Promise<unknown>;
}

/** A failed call: the HTTP status (0 when the server was not reached) and the API's reason. */
export class HPCRequestError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string | null,
    message: string
  ) {
    super(message || `HTTP ${status}`);
    this.name = 'HPCRequestError';
  }

  /** The facility refused our credentials: the user must log in to it again. */
  get isFacilityAuth(): boolean {
    return this.reason === 'facility_auth';
  }
}

/** An error body of the API (`{"message", "reason"}`), or of Jupyter itself. */
export function parseError(status: number, text: string): HPCRequestError {
  let message = '';
  let reason: string | null = null;
  try {
    const body = JSON.parse(text);
    if (body && typeof body.message === 'string') {
      message = body.message;
    }
    if (body && typeof body.reason === 'string') {
      reason = body.reason;
    }
  } catch {
    // Not JSON (a proxy's or tornado's HTML page): the status says enough.
  }
  return new HPCRequestError(status, reason, message);
}

/** A query string from the defined values of `params` ('' when there are none). */
export function query(
  params: Record<string, string | number | undefined | null>
): string {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') {
      parts.push(
        `${encodeURIComponent(key)}=${encodeURIComponent(String(value))}`
      );
    }
  }
  return parts.length ? `?${parts.join('&')}` : '';
}

/** The outcome of the version handshake. */
export type Handshake =
  | { kind: 'ok'; info: HPC.IInfo }
  | { kind: 'missing' }
  | { kind: 'mismatch'; info: HPC.IInfo }
  | { kind: 'error'; error: HPCRequestError };

function facilityPath(facility: string, rest = ''): string {
  return `facilities/${encodeURIComponent(facility)}${rest}`;
}

/** The hpc-jupyter REST API, one method per endpoint. */
export class HPCService {
  constructor(private readonly requester: IRequester) {}

  /** The last job listing of each end point, with its ETag (see `listJobs`). */
  private _listings = new Map<
    string,
    { etag: string; listing: HPC.IJobList }
  >();

  private async json<T>(endPoint: string, init?: IRequestInit): Promise<T> {
    const response = await this.requester.request(endPoint, init);
    const text = await response.text();
    return (text ? JSON.parse(text) : null) as T;
  }

  /** GET info: the server extension's version and API version. */
  info(): Promise<HPC.IInfo> {
    return this.json<HPC.IInfo>('info');
  }

  /** Call `info` and say whether this labextension can talk to the server. */
  async handshake(): Promise<Handshake> {
    try {
      const info = await this.info();
      if (info.api_version !== HPC.API_VERSION) {
        return { kind: 'mismatch', info };
      }
      return { kind: 'ok', info };
    } catch (error) {
      const failure =
        error instanceof HPCRequestError
          ? error
          : new HPCRequestError(0, null, String(error));
      return failure.status === 404
        ? { kind: 'missing' }
        : { kind: 'error', error: failure };
    }
  }

  async facilities(): Promise<HPC.IFacility[]> {
    const body = await this.json<{ facilities: HPC.IFacility[] }>('facilities');
    return body.facilities;
  }

  facility(name: string): Promise<HPC.IFacility> {
    return this.json<HPC.IFacility>(facilityPath(name));
  }

  /**
   * List a directory; without `path`, the system's home directory. With `page`, only the
   * entries from `page.offset` (at most `page.limit` of them, in name order), and the answer
   * says the directory's `total`.
   */
  listFiles(
    facility: string,
    path?: string,
    system?: string,
    page?: { offset?: number; limit?: number }
  ): Promise<HPC.IListing> {
    const { offset, limit } = page ?? {};
    return this.json<HPC.IListing>(
      facilityPath(facility, '/files' + query({ path, system, offset, limit }))
    );
  }

  stat(
    facility: string,
    path: string,
    system?: string
  ): Promise<HPC.IFileEntry> {
    return this.json<HPC.IFileEntry>(
      facilityPath(facility, '/files/stat' + query({ path, system }))
    );
  }

  /** Bytes of a file from `offset`, at most `length` of them. */
  async readFile(
    facility: string,
    path: string,
    offset: number,
    length: number,
    system?: string
  ): Promise<ArrayBuffer> {
    const response = await this.requester.request(
      facilityPath(
        facility,
        '/files/content' + query({ path, offset, length, system })
      )
    );
    return response.arrayBuffer();
  }

  /** Upload `data` to `path` (replacing a file there), reporting progress. */
  async upload(
    facility: string,
    path: string,
    data: Blob,
    onProgress: (loaded: number, total: number) => void,
    system?: string
  ): Promise<HPC.IFileEntry> {
    const endPoint = facilityPath(
      facility,
      '/files/content' + query({ path, system })
    );
    return (await this.requester.upload(
      endPoint,
      data,
      onProgress
    )) as HPC.IFileEntry;
  }

  mkdir(
    facility: string,
    path: string,
    system?: string
  ): Promise<HPC.IFileEntry> {
    return this.json<HPC.IFileEntry>(
      facilityPath(facility, '/files/mkdir' + query({ system })),
      { method: 'POST', json: { path } satisfies HPC.IMkdirRequest }
    );
  }

  move(
    facility: string,
    source: string,
    target: string,
    system?: string
  ): Promise<HPC.IFileEntry> {
    return this.json<HPC.IFileEntry>(
      facilityPath(facility, '/files/move' + query({ system })),
      {
        method: 'POST',
        json: { source, target } satisfies HPC.ITransferRequest
      }
    );
  }

  async remove(
    facility: string,
    path: string,
    recursive: boolean,
    system?: string
  ): Promise<void> {
    await this.requester.request(
      facilityPath(facility, '/files/delete' + query({ system })),
      { method: 'POST', json: { path, recursive } satisfies HPC.IDeleteRequest }
    );
  }

  /**
   * The jobs, with `stale` when they are the last good listing (the facility failed since).
   *
   * Conditional: the listing's `ETag` is sent back in `If-None-Match`, and while the server
   * answers 304 (unchanged) the very listing object answered last time is answered again,
   * so a caller can tell "unchanged" by identity and skip its work.
   */
  async listJobs(facility: string, system?: string): Promise<HPC.IJobList> {
    const endPoint = facilityPath(facility, '/jobs' + query({ system }));
    const held = this._listings.get(endPoint);
    const response = await this.requester.request(
      endPoint,
      held ? { headers: { 'If-None-Match': held.etag } } : undefined
    );
    if (response.status === 304 && held) {
      return held.listing;
    }
    const listing = JSON.parse(await response.text()) as HPC.IJobList;
    const etag = response.headers.get('ETag');
    if (etag) {
      this._listings.set(endPoint, { etag, listing });
    } else {
      this._listings.delete(endPoint);
    }
    return listing;
  }

  /** The partitions (queues) of a facility with the `jobs.partitions` capability. */
  async partitions(
    facility: string,
    system?: string
  ): Promise<HPC.IPartition[]> {
    const body = await this.json<{ partitions: HPC.IPartition[] }>(
      facilityPath(facility, '/partitions' + query({ system }))
    );
    return body.partitions;
  }

  /**
   * What a facility with the `status` capability says about itself; the server keeps it
   * 60 s, `refresh` asks the facility again.
   */
  status(
    facility: string,
    system?: string,
    refresh = false
  ): Promise<HPC.IFacilityStatus> {
    return this.json<HPC.IFacilityStatus>(
      facilityPath(
        facility,
        '/status' + query({ system, refresh: refresh ? 'true' : undefined })
      )
    );
  }

  /** What a job request would cost and what stands in its way; nothing is submitted. */
  checkJob(
    facility: string,
    request: HPC.IJobRequest,
    system?: string
  ): Promise<HPC.ISubmitCheck> {
    return this.json<HPC.ISubmitCheck>(
      facilityPath(facility, '/jobs/check' + query({ system })),
      { method: 'POST', json: request }
    );
  }

  /** How a job was submitted (its script, options and origin), for submitting it again. */
  jobSubmission(
    facility: string,
    jobId: string,
    system?: string
  ): Promise<HPC.ISubmission> {
    return this.json<HPC.ISubmission>(
      facilityPath(
        facility,
        `/jobs/${encodeURIComponent(jobId)}/submission` + query({ system })
      )
    );
  }

  /** Submit a batch script; `idempotencyKey` makes a retried submit safe. */
  submitJob(
    facility: string,
    request: HPC.IJobRequest,
    idempotencyKey: string,
    system?: string
  ): Promise<HPC.IJob> {
    return this.json<HPC.IJob>(
      facilityPath(facility, '/jobs' + query({ system })),
      {
        method: 'POST',
        json: request,
        headers: { 'Idempotency-Key': idempotencyKey }
      }
    );
  }

  job(facility: string, jobId: string, system?: string): Promise<HPC.IJob> {
    return this.json<HPC.IJob>(
      facilityPath(
        facility,
        `/jobs/${encodeURIComponent(jobId)}` + query({ system })
      )
    );
  }

  cancelJob(
    facility: string,
    jobId: string,
    system?: string
  ): Promise<HPC.IJob> {
    return this.json<HPC.IJob>(
      facilityPath(
        facility,
        `/jobs/${encodeURIComponent(jobId)}` + query({ system })
      ),
      { method: 'DELETE' }
    );
  }

  /** Hold, release or requeue a job; the facility must declare `jobs.hold` / `jobs.requeue`. */
  jobAction(
    facility: string,
    jobId: string,
    action: JobAction,
    system?: string
  ): Promise<HPC.IJob> {
    return this.json<HPC.IJob>(
      facilityPath(
        facility,
        `/jobs/${encodeURIComponent(jobId)}/${action}` + query({ system })
      ),
      { method: 'POST' }
    );
  }

  /** A piece of a job's log from a byte offset. */
  readOutput(
    facility: string,
    jobId: string,
    stream: 'stdout' | 'stderr',
    offset: number,
    system?: string
  ): Promise<HPC.IOutputChunk> {
    return this.json<HPC.IOutputChunk>(
      facilityPath(
        facility,
        `/jobs/${encodeURIComponent(jobId)}/output` +
          query({ stream, offset, system })
      )
    );
  }

  /** Where the user's login to a facility with `auth.login` stands. */
  login(facility: string): Promise<HPC.ILogin> {
    return this.json<HPC.ILogin>(facilityPath(facility, '/login'));
  }

  /** Start a login (replacing a pending one): where the user goes and what to type. */
  startLogin(facility: string): Promise<HPC.ILogin> {
    return this.json<HPC.ILogin>(facilityPath(facility, '/login'), {
      method: 'POST'
    });
  }

  /** Finish a `globus` login with the code the user pasted. */
  finishLogin(facility: string, code: string): Promise<HPC.ILogin> {
    return this.json<HPC.ILogin>(facilityPath(facility, '/login/code'), {
      method: 'POST',
      json: { code } satisfies HPC.ILoginCode
    });
  }

  /** Log out: the server forgets the tokens (and a pending login). */
  logout(facility: string): Promise<HPC.ILogin> {
    return this.json<HPC.ILogin>(facilityPath(facility, '/login'), {
      method: 'DELETE'
    });
  }
}
