/**
 * LoginFlow: the state machine of logging in to a facility from the panel (device flow or
 * Globus code), over the service's /login calls. No DOM and no JupyterLab imports, so jest
 * runs it; widgets/login.ts draws its states.
 *
 * The server keeps the tokens and, for the device flow, polls the identity provider itself;
 * this only asks the server where the login stands, at the interval the server gives.
 */
import { HPCRequestError, type HPCService } from './service';
import type { HPC } from './tokens';

/** The calls a login needs (the HPCService, or a fake in tests). */
export type LoginApi = Pick<
  HPCService,
  'login' | 'startLogin' | 'finishLogin' | 'logout'
>;

/** What the login view shows. */
export type LoginState =
  /** Nothing under way: the panel offers "Log in" or "Log out" from the facility's status. */
  | { kind: 'idle' }
  /** A request is on its way (starting, cancelling, logging out). */
  | { kind: 'busy'; action: 'start' | 'cancel' | 'logout' | 'resume' }
  /**
   * A device-flow login waits for the user at the provider. `problem`: the last look at the
   * login failed (it is looked at again).
   */
  | { kind: 'device'; login: HPC.ILogin; problem: string | null }
  /**
   * A Globus login waits for the code the user pastes. `refused`: why the last code was not
   * accepted (the field keeps it); `sending`: a code is on its way.
   */
  | {
      kind: 'code';
      login: HPC.ILogin;
      sending: boolean;
      refused: string | null;
    }
  /** The login ended without tokens (expired, refused, or a request failed): why, if said. */
  | { kind: 'failed'; message: string | null };

/** The shortest and longest wait between two looks at a pending login, in seconds. */
export const MIN_INTERVAL = 1;
export const MAX_INTERVAL = 60;
const DEFAULT_INTERVAL = 5;

export namespace LoginFlow {
  export interface IOptions {
    facility: string;
    api: LoginApi;
    /** Every new state. */
    onChange: (state: LoginState) => void;
    /** The server holds tokens now: refresh the facility (its files and jobs). */
    onLoggedIn: () => void;
    /** The server forgot the tokens: refresh the facility (it offers "Log in" again). */
    onLoggedOut: () => void;
  }
}

export class LoginFlow {
  constructor(private readonly options: LoginFlow.IOptions) {}

  get state(): LoginState {
    return this._state;
  }

  get facility(): string {
    return this.options.facility;
  }

  /** Start a login (the user clicked "Log in"). */
  async start(): Promise<void> {
    const run = this._next({ kind: 'busy', action: 'start' });
    let login: HPC.ILogin;
    try {
      login = await this.options.api.startLogin(this.facility);
    } catch (error) {
      this._fail(run, error);
      return;
    }
    this._follow(run, login);
  }

  /**
   * Pick up a login started before (the page was reloaded, or another facility was shown
   * meanwhile): show it if it is still pending, else stay idle.
   */
  async resume(): Promise<void> {
    const run = this._next({ kind: 'busy', action: 'resume' });
    let login: HPC.ILogin;
    try {
      login = await this.options.api.login(this.facility);
    } catch {
      // Nothing to resume that we could see; the facility's status says the rest.
      if (run === this._run) {
        this._set({ kind: 'idle' });
      }
      return;
    }
    if (run !== this._run) {
      return;
    }
    if (login.state === 'pending') {
      this._follow(run, login);
    } else {
      this._set({ kind: 'idle' });
    }
  }

  /** Send the code the user pasted (Globus). A refused code keeps the login pending. */
  async submitCode(code: string): Promise<void> {
    const current = this._state;
    const trimmed = code.trim();
    if (current.kind !== 'code' || current.sending || !trimmed) {
      return;
    }
    const run = this._run;
    this._set({ ...current, sending: true, refused: null });
    let login: HPC.ILogin;
    try {
      login = await this.options.api.finishLogin(this.facility, trimmed);
    } catch (error) {
      if (run !== this._run) {
        return;
      }
      if (error instanceof HPCRequestError && error.status === 400) {
        // The provider did not take the code; the login stays pending: paste again.
        this._set({
          ...current,
          sending: false,
          refused: error.message
        });
      } else {
        this._fail(run, error);
      }
      return;
    }
    this._follow(run, login);
  }

  /** Give up a pending login: the server forgets it too. */
  async cancel(): Promise<void> {
    const run = this._next({ kind: 'busy', action: 'cancel' });
    try {
      await this.options.api.logout(this.facility);
    } catch {
      // The server lets a pending login expire by itself; nothing for the user to do.
    }
    if (run === this._run) {
      this._set({ kind: 'idle' });
    }
  }

  /** Log out: the server forgets the tokens. */
  async logout(): Promise<void> {
    const run = this._next({ kind: 'busy', action: 'logout' });
    try {
      await this.options.api.logout(this.facility);
    } catch (error) {
      this._fail(run, error);
      return;
    }
    if (run === this._run) {
      this._set({ kind: 'idle' });
      this.options.onLoggedOut();
    }
  }

  /** Back to idle after a failure was read. */
  dismiss(): void {
    this._next({ kind: 'idle' });
  }

  /** Stop looking at the login (the panel shows another facility); the server keeps it. */
  dispose(): void {
    this._next({ kind: 'idle' }, false);
  }

  /** Act on what the server says of the login. */
  private _follow(run: number, login: HPC.ILogin): void {
    if (run !== this._run) {
      return;
    }
    switch (login.state) {
      case 'logged_in':
        this._set({ kind: 'idle' });
        this.options.onLoggedIn();
        return;
      case 'logged_out':
        this._set({ kind: 'failed', message: login.message ?? null });
        return;
      default:
        if (login.flow === 'globus') {
          const current = this._state;
          this._set({
            kind: 'code',
            login,
            sending: false,
            refused: current.kind === 'code' ? current.refused : null
          });
        } else {
          this._set({ kind: 'device', login, problem: null });
          this._schedule(run, login.interval);
        }
    }
  }

  /** Look at a pending device login again after `interval` seconds. */
  private _schedule(run: number, interval: number | null | undefined): void {
    const seconds = Math.min(
      MAX_INTERVAL,
      Math.max(MIN_INTERVAL, interval ?? DEFAULT_INTERVAL)
    );
    this._timer = setTimeout(() => {
      this._timer = null;
      void this._poll(run, seconds);
    }, seconds * 1000);
  }

  private async _poll(run: number, seconds: number): Promise<void> {
    let login: HPC.ILogin;
    try {
      login = await this.options.api.login(this.facility);
    } catch (error) {
      if (run !== this._run || this._state.kind !== 'device') {
        return;
      }
      if (
        error instanceof HPCRequestError &&
        (error.status === 0 || error.status >= 500)
      ) {
        // The server did not answer (a restart, a network hiccup): say so, look again.
        this._set({ ...this._state, problem: error.message });
        this._schedule(run, seconds);
      } else {
        this._fail(run, error);
      }
      return;
    }
    this._follow(run, login);
  }

  private _fail(run: number, error: unknown): void {
    if (run !== this._run) {
      return;
    }
    this._set({
      kind: 'failed',
      message: error instanceof Error ? error.message : String(error)
    });
  }

  /** A new run: what an older one answers later is ignored; its timer stops. */
  private _next(state: LoginState, notify = true): number {
    this._run += 1;
    if (this._timer !== null) {
      clearTimeout(this._timer);
      this._timer = null;
    }
    if (notify) {
      this._set(state);
    } else {
      this._state = state;
    }
    return this._run;
  }

  private _set(state: LoginState): void {
    this._state = state;
    this.options.onChange(state);
  }

  private _state: LoginState = { kind: 'idle' };
  private _run = 0;
  private _timer: ReturnType<typeof setTimeout> | null = null;
}

/** Seconds left until `expiresAt` (Unix seconds) at `now` (milliseconds), never negative. */
export function secondsLeft(
  expiresAt: number | null | undefined,
  now: number
): number | null {
  if (expiresAt === null || expiresAt === undefined) {
    return null;
  }
  return Math.max(0, Math.round(expiresAt - now / 1000));
}

/** `m:ss` for a number of seconds. */
export function formatSeconds(seconds: number): string {
  const minutes = Math.floor(seconds / 60);
  const rest = seconds % 60;
  return `${minutes}:${String(rest).padStart(2, '0')}`;
}
