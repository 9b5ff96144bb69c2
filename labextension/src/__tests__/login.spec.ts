import {
  formatSeconds,
  LoginFlow,
  LoginState,
  MAX_INTERVAL,
  secondsLeft,
  type LoginApi
} from '../login';
import { HPCRequestError } from '../service';
import type { HPC } from '../tokens';

type Answer = HPC.ILogin | HPCRequestError;

/**
 * A /login server out of queues of answers, one queue per call; records the calls. An
 * answer may be held back (a promise resolved by the test) to race it against the user.
 */
class FakeServer implements LoginApi {
  calls: string[] = [];
  answers: Record<string, Array<Answer | Promise<Answer>>> = {
    login: [],
    startLogin: [],
    finishLogin: [],
    logout: []
  };

  private async answer(call: string): Promise<HPC.ILogin> {
    const next = this.answers[call].shift();
    if (next === undefined) {
      throw new Error(`no answer queued for ${call}`);
    }
    const value = await next;
    if (value instanceof HPCRequestError) {
      throw value;
    }
    return value;
  }

  login(facility: string) {
    this.calls.push(`GET ${facility}`);
    return this.answer('login');
  }
  startLogin(facility: string) {
    this.calls.push(`POST ${facility}`);
    return this.answer('startLogin');
  }
  finishLogin(facility: string, code: string) {
    this.calls.push(`POST ${facility} code=${code}`);
    return this.answer('finishLogin');
  }
  logout(facility: string) {
    this.calls.push(`DELETE ${facility}`);
    return this.answer('logout');
  }
}

const device = (extra: Partial<HPC.ILogin> = {}): HPC.ILogin => ({
  flow: 'device',
  state: 'pending',
  message: null,
  verification_uri: 'https://idp.example/device',
  verification_uri_complete: 'https://idp.example/device?user_code=ABCD-EFGH',
  user_code: 'ABCD-EFGH',
  expires_at: 1_000_600,
  interval: 5,
  ...extra
});

const globus = (extra: Partial<HPC.ILogin> = {}): HPC.ILogin => ({
  flow: 'globus',
  state: 'pending',
  message: null,
  authorize_url: 'https://auth.globus.org/v2/oauth2/authorize?client_id=x',
  ...extra
});

const loggedIn: HPC.ILogin = {
  flow: 'device',
  state: 'logged_in',
  message: null
};

function setup(): {
  server: FakeServer;
  flow: LoginFlow;
  seen: LoginState['kind'][];
  events: string[];
} {
  const server = new FakeServer();
  const seen: LoginState['kind'][] = [];
  const events: string[] = [];
  const flow = new LoginFlow({
    facility: 'cscs',
    api: server,
    onChange: state => seen.push(state.kind),
    onLoggedIn: () => events.push('logged in'),
    onLoggedOut: () => events.push('logged out')
  });
  return { server, flow, seen, events };
}

beforeEach(() => {
  jest.useFakeTimers();
  jest.setSystemTime(1_000_000 * 1000);
});

afterEach(() => {
  jest.useRealTimers();
});

describe('LoginFlow, device flow', () => {
  it('shows the code, polls at the interval until logged in', async () => {
    const { server, flow, seen, events } = setup();
    server.answers.startLogin.push(device());
    server.answers.login.push(device(), loggedIn);

    await flow.start();
    expect(flow.state).toEqual({
      kind: 'device',
      login: device(),
      problem: null
    });
    expect(server.calls).toEqual(['POST cscs']);

    // Not before the interval the server asked for.
    await jest.advanceTimersByTimeAsync(4_900);
    expect(server.calls).toEqual(['POST cscs']);
    await jest.advanceTimersByTimeAsync(100);
    expect(server.calls).toEqual(['POST cscs', 'GET cscs']);
    expect(flow.state.kind).toBe('device');
    expect(events).toEqual([]);

    await jest.advanceTimersByTimeAsync(5_000);
    expect(server.calls).toEqual(['POST cscs', 'GET cscs', 'GET cscs']);
    expect(flow.state).toEqual({ kind: 'idle' });
    expect(events).toEqual(['logged in']);
    expect(seen).toEqual(['busy', 'device', 'device', 'idle']);

    // Done: no more looks at the login.
    await jest.advanceTimersByTimeAsync(60_000);
    expect(server.calls).toHaveLength(3);
  });

  it('ends with the server message when the login expires or is refused', async () => {
    const { server, flow, events } = setup();
    server.answers.startLogin.push(device({ interval: 2 }));
    server.answers.login.push({
      flow: 'device',
      state: 'logged_out',
      message: 'The code expired; log in again.'
    });

    await flow.start();
    await jest.advanceTimersByTimeAsync(2_000);
    expect(flow.state).toEqual({
      kind: 'failed',
      message: 'The code expired; log in again.'
    });
    expect(events).toEqual([]);
    await jest.advanceTimersByTimeAsync(60_000);
    expect(server.calls).toEqual(['POST cscs', 'GET cscs']);
  });

  it('keeps polling through a server that does not answer, saying so', async () => {
    const { server, flow, events } = setup();
    server.answers.startLogin.push(device());
    server.answers.login.push(
      new HPCRequestError(0, null, 'network error'),
      new HPCRequestError(502, 'unavailable', 'the IdP is down'),
      loggedIn
    );

    await flow.start();
    await jest.advanceTimersByTimeAsync(5_000);
    expect(flow.state).toMatchObject({
      kind: 'device',
      problem: 'network error'
    });
    await jest.advanceTimersByTimeAsync(5_000);
    expect(flow.state).toMatchObject({
      kind: 'device',
      problem: 'the IdP is down'
    });
    await jest.advanceTimersByTimeAsync(5_000);
    expect(flow.state).toEqual({ kind: 'idle' });
    expect(events).toEqual(['logged in']);
  });

  it('stops on an answer that polling again cannot change', async () => {
    const { server, flow } = setup();
    server.answers.startLogin.push(device());
    server.answers.login.push(
      new HPCRequestError(400, 'not_supported', 'no login for this facility')
    );
    await flow.start();
    await jest.advanceTimersByTimeAsync(5_000);
    expect(flow.state).toEqual({
      kind: 'failed',
      message: 'no login for this facility'
    });
    await jest.advanceTimersByTimeAsync(60_000);
    expect(server.calls).toHaveLength(2);
  });

  it('keeps the interval within bounds', async () => {
    const { server, flow } = setup();
    server.answers.startLogin.push(device({ interval: 0 }));
    server.answers.login.push(device({ interval: 3600 }), loggedIn);
    await flow.start();
    await jest.advanceTimersByTimeAsync(1_000);
    expect(server.calls).toHaveLength(2); // at least a second between looks
    await jest.advanceTimersByTimeAsync(MAX_INTERVAL * 1000 - 1);
    expect(server.calls).toHaveLength(2);
    await jest.advanceTimersByTimeAsync(1);
    expect(server.calls).toHaveLength(3); // at most a minute
  });

  it('fails with the message when the login cannot start', async () => {
    const { server, flow, seen } = setup();
    server.answers.startLogin.push(
      new HPCRequestError(
        504,
        'timeout',
        'The identity provider did not answer.'
      )
    );
    await flow.start();
    expect(flow.state).toEqual({
      kind: 'failed',
      message: 'The identity provider did not answer.'
    });
    expect(seen).toEqual(['busy', 'failed']);
  });

  it('cancel forgets the login at the server and stops polling', async () => {
    const { server, flow, events } = setup();
    server.answers.startLogin.push(device());
    server.answers.logout.push({
      flow: 'device',
      state: 'logged_out',
      message: null
    });
    await flow.start();
    await flow.cancel();
    expect(flow.state).toEqual({ kind: 'idle' });
    await jest.advanceTimersByTimeAsync(60_000);
    expect(server.calls).toEqual(['POST cscs', 'DELETE cscs']);
    expect(events).toEqual([]);
  });

  it('ignores a poll answered after the user cancelled', async () => {
    const { server, flow, events } = setup();
    let answer!: (login: HPC.ILogin) => void;
    server.answers.startLogin.push(device());
    server.answers.login.push(
      new Promise<HPC.ILogin>(resolve => (answer = resolve))
    );
    server.answers.logout.push({
      flow: 'device',
      state: 'logged_out',
      message: null
    });
    await flow.start();
    await jest.advanceTimersByTimeAsync(5_000); // the look is on its way
    await flow.cancel();
    answer(loggedIn);
    await jest.advanceTimersByTimeAsync(0);
    expect(flow.state).toEqual({ kind: 'idle' });
    expect(events).toEqual([]);
  });

  it('a second Log in replaces the first login', async () => {
    const { server, flow } = setup();
    server.answers.startLogin.push(
      device(),
      device({ user_code: 'WXYZ-2345' })
    );
    server.answers.login.push(loggedIn);
    await flow.start();
    await jest.advanceTimersByTimeAsync(2_000);
    await flow.start();
    expect(flow.state).toMatchObject({ login: { user_code: 'WXYZ-2345' } });
    // One timer only: the first login's is gone.
    await jest.advanceTimersByTimeAsync(5_000);
    expect(server.calls).toEqual(['POST cscs', 'POST cscs', 'GET cscs']);
  });

  it('dispose stops looking without telling the server', async () => {
    const { server, flow, seen } = setup();
    server.answers.startLogin.push(device());
    await flow.start();
    flow.dispose();
    await jest.advanceTimersByTimeAsync(60_000);
    expect(server.calls).toEqual(['POST cscs']);
    expect(seen).toEqual(['busy', 'device']);
  });
});

describe('LoginFlow, resuming', () => {
  it('picks up a pending login and follows it', async () => {
    const { server, flow, events } = setup();
    server.answers.login.push(device(), loggedIn);
    await flow.resume();
    expect(flow.state.kind).toBe('device');
    await jest.advanceTimersByTimeAsync(5_000);
    expect(events).toEqual(['logged in']);
  });

  it('stays idle when no login is pending or it cannot be asked', async () => {
    const { server, flow, seen, events } = setup();
    server.answers.login.push(
      { flow: 'device', state: 'logged_out', message: 'Log in to use cscs.' },
      new HPCRequestError(0, null, 'network error')
    );
    await flow.resume();
    expect(flow.state).toEqual({ kind: 'idle' });
    await flow.resume();
    expect(flow.state).toEqual({ kind: 'idle' });
    expect(seen).toEqual(['busy', 'idle', 'busy', 'idle']);
    expect(events).toEqual([]);
  });
});

describe('LoginFlow, Globus code', () => {
  it('waits for the code, then logs in', async () => {
    const { server, flow, seen, events } = setup();
    server.answers.startLogin.push(globus());
    server.answers.finishLogin.push({ ...loggedIn, flow: 'globus' });
    await flow.start();
    expect(flow.state).toEqual({
      kind: 'code',
      login: globus(),
      sending: false,
      refused: null
    });
    // No polling: the user brings the code.
    await jest.advanceTimersByTimeAsync(60_000);
    expect(server.calls).toEqual(['POST cscs']);

    await flow.submitCode('  the-code \n');
    expect(server.calls).toEqual(['POST cscs', 'POST cscs code=the-code']);
    expect(flow.state).toEqual({ kind: 'idle' });
    expect(events).toEqual(['logged in']);
    expect(seen).toEqual(['busy', 'code', 'code', 'idle']);
  });

  it('a refused code keeps the login pending with the reason', async () => {
    const { server, flow, events } = setup();
    server.answers.startLogin.push(globus());
    server.answers.finishLogin.push(
      new HPCRequestError(
        400,
        'bad_request',
        'Globus did not accept the code.'
      ),
      { ...loggedIn, flow: 'globus' }
    );
    await flow.start();
    await flow.submitCode('wrong');
    expect(flow.state).toEqual({
      kind: 'code',
      login: globus(),
      sending: false,
      refused: 'Globus did not accept the code.'
    });
    await flow.submitCode('right');
    expect(flow.state).toEqual({ kind: 'idle' });
    expect(events).toEqual(['logged in']);
  });

  it('ignores an empty code and a second submit while one is on its way', async () => {
    const { server, flow } = setup();
    let answer!: (login: HPC.ILogin) => void;
    server.answers.startLogin.push(globus());
    server.answers.finishLogin.push(
      new Promise<HPC.ILogin>(resolve => (answer = resolve))
    );
    await flow.start();
    await flow.submitCode('   ');
    expect(server.calls).toEqual(['POST cscs']);
    const first = flow.submitCode('code');
    expect(flow.state).toMatchObject({ kind: 'code', sending: true });
    await flow.submitCode('code');
    expect(server.calls).toEqual(['POST cscs', 'POST cscs code=code']);
    answer({ ...loggedIn, flow: 'globus' });
    await first;
    expect(flow.state).toEqual({ kind: 'idle' });
  });

  it('a login no longer pending (409) ends it with the message', async () => {
    const { server, flow } = setup();
    server.answers.startLogin.push(globus());
    server.answers.finishLogin.push(
      new HPCRequestError(409, 'conflict', 'No login is pending.')
    );
    await flow.start();
    await flow.submitCode('late');
    expect(flow.state).toEqual({
      kind: 'failed',
      message: 'No login is pending.'
    });
  });
});

describe('LoginFlow, log out', () => {
  it('tells the panel once the server forgot the tokens', async () => {
    const { server, flow, seen, events } = setup();
    server.answers.logout.push({
      flow: 'device',
      state: 'logged_out',
      message: null
    });
    await flow.logout();
    expect(server.calls).toEqual(['DELETE cscs']);
    expect(seen).toEqual(['busy', 'idle']);
    expect(events).toEqual(['logged out']);
  });

  it('says why when the server could not log out', async () => {
    const { server, flow, events } = setup();
    server.answers.logout.push(new HPCRequestError(500, null, 'disk full'));
    await flow.logout();
    expect(flow.state).toEqual({ kind: 'failed', message: 'disk full' });
    expect(events).toEqual([]);
    flow.dismiss();
    expect(flow.state).toEqual({ kind: 'idle' });
  });
});

describe('time left', () => {
  it('counts down to the expiry, never below zero', () => {
    expect(secondsLeft(1_000_600, 1_000_000_000)).toBe(600);
    expect(secondsLeft(1_000_600, 1_000_700_000)).toBe(0);
    expect(secondsLeft(null, 1_000_000_000)).toBeNull();
    expect(formatSeconds(600)).toBe('10:00');
    expect(formatSeconds(65)).toBe('1:05');
    expect(formatSeconds(0)).toBe('0:00');
  });
});
