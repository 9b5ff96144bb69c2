/**
 * What the server and its clients agree on beside the schemas: the twin of
 * hpc_jupyter/protocol.py (tests/test_protocol.py holds the two to the same values).
 */

/** The REST API's version (`api_version` of GET /hpc/api/info). */
export const API_VERSION = 1;

/** The schema id of job state events (hpc_jupyter/event_schemas/job_state/v1.yaml). */
export const JOB_STATE_EVENT =
  'https://hpc-jupyter.github.io/events/job_state/v1';
