import {
  HPCRequestError,
  HPCService,
  IRequester,
  IRequestInit,
  parseError,
  query
} from '../service';

interface ICall {
  endPoint: string;
  init?: IRequestInit;
}

/** A requester answering from a table of end points, recording every call. */
function fake(answers: Record<string, () => Response>): {
  requester: IRequester;
  calls: ICall[];
} {
  const calls: ICall[] = [];
  const requester: IRequester = {
    async request(endPoint, init) {
      calls.push({ endPoint, init });
      const answer = answers[endPoint];
      if (!answer) {
        throw parseError(404, '{"message": "no route", "reason": null}');
      }
      const response = answer();
      const conditional = 'If-None-Match' in (init?.headers ?? {});
      if (!response.ok && !(response.status === 304 && conditional)) {
        throw parseError(response.status, await response.text());
      }
      return response;
    },
    async upload(endPoint, data, onProgress) {
      calls.push({ endPoint });
      onProgress(data.size, data.size);
      return { name: 'x', path: 'x' };
    }
  };
  return { requester, calls };
}

const json =
  (body: unknown, status = 200) =>
  () =>
    new Response(JSON.stringify(body), { status });

describe('query', () => {
  it('encodes defined values only', () => {
    expect(query({ path: 'a b/c&d', system: undefined, offset: 0 })).toBe(
      '?path=a%20b%2Fc%26d&offset=0'
    );
    expect(query({ path: undefined, x: null, y: '' })).toBe('');
  });
});

describe('parseError', () => {
  it('reads the API error body', () => {
    const error = parseError(
      401,
      '{"message": "log in again", "reason": "facility_auth"}'
    );
    expect(error).toBeInstanceOf(HPCRequestError);
    expect(error.status).toBe(401);
    expect(error.message).toBe('log in again');
    expect(error.isFacilityAuth).toBe(true);
  });

  it('copes with an HTML page', () => {
    const error = parseError(502, '<html>Bad gateway</html>');
    expect(error.message).toBe('HTTP 502');
    expect(error.reason).toBeNull();
    expect(error.isFacilityAuth).toBe(false);
  });
});

describe('handshake', () => {
  it('is ok with the same API version', async () => {
    const { requester } = fake({
      info: json({ version: '0.1.0', api_version: 1 })
    });
    expect(await new HPCService(requester).handshake()).toEqual({
      kind: 'ok',
      info: { version: '0.1.0', api_version: 1 }
    });
  });

  it('says the server extension is missing on 404', async () => {
    const { requester } = fake({});
    expect(await new HPCService(requester).handshake()).toEqual({
      kind: 'missing'
    });
  });

  it('reports another API version', async () => {
    const { requester } = fake({
      info: json({ version: '9.0.0', api_version: 2 })
    });
    const result = await new HPCService(requester).handshake();
    expect(result.kind).toBe('mismatch');
  });

  it('reports other failures', async () => {
    const { requester } = fake({
      info: json({ message: 'boom', reason: 'error' }, 500)
    });
    const result = await new HPCService(requester).handshake();
    expect(result).toMatchObject({
      kind: 'error',
      error: { status: 500, message: 'boom' }
    });
  });
});

describe('HPCService', () => {
  it('lists facilities, files and jobs on the documented end points', async () => {
    const { requester, calls } = fake({
      facilities: json({ facilities: [{ name: 'local' }] }),
      'facilities/local/files?path=data%2Fa%20b': json({
        path: 'data/a b',
        entries: []
      }),
      'facilities/local/jobs': json({ jobs: [{ id: '7' }] })
    });
    const service = new HPCService(requester);
    expect((await service.facilities())[0].name).toBe('local');
    expect((await service.listFiles('local', 'data/a b')).path).toBe(
      'data/a b'
    );
    const listing = await service.listJobs('local');
    expect(listing.jobs[0].id).toBe('7');
    expect(listing.stale).toBeUndefined();
    expect(calls.map(c => c.init?.method ?? 'GET')).toEqual([
      'GET',
      'GET',
      'GET'
    ]);
  });

  it('asks for a page of a listing with offset and limit', async () => {
    const { requester, calls } = fake({
      'facilities/local/files?path=big&limit=1000': json({
        path: 'big',
        entries: [],
        total: 5000
      }),
      'facilities/local/files?path=big&offset=1000': json({
        path: 'big',
        entries: [],
        total: 5000
      })
    });
    const service = new HPCService(requester);
    const first = await service.listFiles('local', 'big', undefined, {
      limit: 1000
    });
    expect(first.total).toBe(5000);
    await service.listFiles('local', 'big', undefined, { offset: 1000 });
    expect(calls.map(c => c.endPoint)).toEqual([
      'facilities/local/files?path=big&limit=1000',
      'facilities/local/files?path=big&offset=1000'
    ]);
  });

  it('lists jobs conditionally: a 304 answers the listing held', async () => {
    // A server that tags each listing and answers 304 to the tag of the current one
    let current = { jobs: [{ id: '1' }] };
    let tag = '"a"';
    const calls: ICall[] = [];
    const requester: IRequester = {
      async request(endPoint, init) {
        calls.push({ endPoint, init });
        if (init?.headers?.['If-None-Match'] === tag) {
          return new Response(null, { status: 304, headers: { ETag: tag } });
        }
        return new Response(JSON.stringify(current), {
          status: 200,
          headers: { ETag: tag }
        });
      },
      upload: async () => ({})
    };
    const service = new HPCService(requester);

    const first = await service.listJobs('local');
    const again = await service.listJobs('local');
    current = { jobs: [{ id: '1' }, { id: '2' }] };
    tag = '"b"';
    const changed = await service.listJobs('local');
    const other = await service.listJobs('local', 'other');

    // The first asks unconditionally, the next ones send the tag they hold
    expect(calls.map(c => c.init?.headers?.['If-None-Match'])).toEqual([
      undefined,
      '"a"',
      '"a"',
      undefined
    ]);
    expect(again).toBe(first); // unchanged: the very same listing
    expect(changed.jobs.map(j => j.id)).toEqual(['1', '2']);
    expect(other).not.toBe(changed); // another system is another listing
  });

  it('posts file operations as JSON and deletes with a 204', async () => {
    const { requester, calls } = fake({
      'facilities/local/files/mkdir': json({ path: 'new' }, 201),
      'facilities/local/files/move': json({ path: 'b' }),
      'facilities/local/files/delete': () => new Response(null, { status: 204 })
    });
    const service = new HPCService(requester);
    await service.mkdir('local', 'new');
    await service.move('local', 'a', 'b');
    await service.remove('local', 'dir', true);
    expect(calls.map(c => [c.init?.method, c.init?.json])).toEqual([
      ['POST', { path: 'new' }],
      ['POST', { source: 'a', target: 'b' }],
      ['POST', { path: 'dir', recursive: true }]
    ]);
  });

  it('submits with an idempotency key and cancels with DELETE', async () => {
    const { requester, calls } = fake({
      'facilities/local/jobs': json({ id: '1', state: 'PENDING' }, 201),
      'facilities/local/jobs/1?system=localhost': json({
        id: '1',
        state: 'CANCELLED'
      })
    });
    const service = new HPCService(requester);
    const job = await service.submitJob('local', { script: 'echo' }, 'key-1');
    expect(job.id).toBe('1');
    expect(calls[0].init).toEqual({
      method: 'POST',
      json: { script: 'echo' },
      headers: { 'Idempotency-Key': 'key-1' }
    });
    const cancelled = await service.cancelJob('local', '1', 'localhost');
    expect(cancelled.state).toBe('CANCELLED');
    expect(calls[1].init?.method).toBe('DELETE');
  });

  it('holds, releases and requeues with a POST to the action', async () => {
    const { requester, calls } = fake({
      'facilities/slurm/jobs/7/hold?system=vm': json({
        id: '7',
        state: 'PENDING',
        reason: 'JobHeldUser'
      }),
      'facilities/slurm/jobs/7/requeue': json(
        { message: 'Job 7 is PENDING: only a running job can be requeued.' },
        409
      )
    });
    const service = new HPCService(requester);
    const held = await service.jobAction('slurm', '7', 'hold', 'vm');
    expect(held.reason).toBe('JobHeldUser');
    expect(calls[0].init).toEqual({ method: 'POST' });
    await expect(service.jobAction('slurm', '7', 'requeue')).rejects.toThrow(
      'only a running job can be requeued'
    );
  });

  it('reads file bytes and log pieces from an offset', async () => {
    const { requester } = fake({
      'facilities/local/files/content?path=f.txt&offset=4&length=2': () =>
        new Response('ef'),
      'facilities/local/jobs/5/output?stream=stderr&offset=10': json({
        data: 'x',
        offset: 11,
        complete: true
      })
    });
    const service = new HPCService(requester);
    const bytes = await service.readFile('local', 'f.txt', 4, 2);
    expect(new TextDecoder().decode(bytes)).toBe('ef');
    const chunk = await service.readOutput('local', '5', 'stderr', 10);
    expect(chunk).toEqual({ data: 'x', offset: 11, complete: true });
  });

  it('uploads through the requester with progress', async () => {
    const { requester, calls } = fake({});
    const progress: number[] = [];
    await new HPCService(requester).upload(
      'local',
      'dir/f.bin',
      new Blob(['12345']),
      loaded => progress.push(loaded)
    );
    expect(calls[0].endPoint).toBe(
      'facilities/local/files/content?path=dir%2Ff.bin'
    );
    expect(progress).toEqual([5]);
  });

  it('turns API errors into HPCRequestError with the server message', async () => {
    const { requester } = fake({
      'facilities/x/jobs': json(
        { message: 'credentials expired', reason: 'facility_auth' },
        401
      )
    });
    await expect(new HPCService(requester).listJobs('x')).rejects.toMatchObject(
      {
        status: 401,
        isFacilityAuth: true,
        message: 'credentials expired'
      }
    );
  });
});

describe('HPCService.partitions', () => {
  it('lists the partitions of a facility and system', async () => {
    const { requester, calls } = fake({
      'facilities/local/partitions?system=login': json({
        partitions: [
          { name: 'p', default: true, state: 'UP', max_time: null, nodes: 1 }
        ]
      })
    });
    const partitions = await new HPCService(requester).partitions(
      'local',
      'login'
    );
    expect(partitions.map(p => p.name)).toEqual(['p']);
    expect(calls[0].init?.method ?? 'GET').toBe('GET');
  });
});

describe('HPCService status and check', () => {
  it('asks for the status (again with refresh) and posts a request to check', async () => {
    const answer = {
      facility: 'local',
      system: 'localhost',
      systems: [],
      notices: null,
      partitions: null,
      allocations: null,
      sources: []
    };
    const check = {
      node_hours: 2,
      charge: null,
      unit: null,
      allocation: null,
      warnings: [{ code: 'unknown_partition', message: 'no partition x' }]
    };
    const { requester, calls } = fake({
      'facilities/local/status': json(answer),
      'facilities/local/status?refresh=true': json(answer),
      'facilities/local/jobs/check?system=login': json(check)
    });
    const service = new HPCService(requester);
    expect((await service.status('local')).system).toBe('localhost');
    await service.status('local', undefined, true);
    const request = { script: '#!/bin/bash\n', partition: 'x' };
    const result = await service.checkJob('local', request, 'login');
    expect(result.warnings[0].code).toBe('unknown_partition');
    expect(calls[2].init).toEqual({ method: 'POST', json: request });
  });
});

describe('HPCService login', () => {
  it('gets, starts, finishes and forgets a login at the facility', async () => {
    const pending = { flow: 'globus', state: 'pending', message: null };
    const { requester, calls } = fake({
      'facilities/a%20b/login': json(pending),
      'facilities/a%20b/login/code': json({ ...pending, state: 'logged_in' })
    });
    const service = new HPCService(requester);
    expect(await service.login('a b')).toEqual(pending);
    await service.startLogin('a b');
    const done = await service.finishLogin('a b', 'the-code');
    expect(done.state).toBe('logged_in');
    await service.logout('a b');
    expect(calls.map(c => [c.init?.method ?? 'GET', c.endPoint])).toEqual([
      ['GET', 'facilities/a%20b/login'],
      ['POST', 'facilities/a%20b/login'],
      ['POST', 'facilities/a%20b/login/code'],
      ['DELETE', 'facilities/a%20b/login']
    ]);
    expect(calls[2].init?.json).toEqual({ code: 'the-code' });
  });
});
