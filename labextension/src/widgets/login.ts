/**
 * LoginBox: "Log in" / "Log out" for a facility with the `auth.login` capability, and the
 * login under way: the device flow's page and code, or the field for Globus's code.
 * The states come from LoginFlow (login.ts); no token ever reaches this box.
 */
import { Clipboard } from '@jupyterlab/apputils';
import type { TranslationBundle } from '@jupyterlab/translation';
import { copyIcon } from '@jupyterlab/ui-components';

import {
  formatSeconds,
  LoginFlow,
  secondsLeft,
  type LoginApi,
  type LoginState
} from '../login';
import type { HPC } from '../tokens';
import { h, iconButton } from './dom';

export namespace LoginBox {
  export interface IOptions {
    api: LoginApi;
    trans: TranslationBundle;
    /** The server holds tokens now: refresh the facility. */
    onLoggedIn: () => void;
    /** The server forgot the tokens: refresh the facility. */
    onLoggedOut: () => void;
  }
}

/** Whether a facility is one the user logs in to from the panel. */
export function canLogIn(facility: HPC.IFacility | null): boolean {
  return !!facility && facility.capabilities.includes('auth.login');
}

let fieldCount = 0;

export class LoginBox {
  constructor(private readonly options: LoginBox.IOptions) {
    this.node = h('div', { class: 'hpc-Login' });
    this.node.hidden = true;
  }

  readonly node: HTMLDivElement;

  /** The login under way, if any (for tests and the panel). */
  get state(): LoginState {
    return this._flow?.state ?? { kind: 'idle' };
  }

  /**
   * Show `facility` with its credential `status`: for one with `auth.login`, "Log in" when
   * the credentials are expired or refused, "Log out" while they work. A login started
   * earlier for it (before a reload) is picked up again.
   */
  show(facility: HPC.IFacility | null, status: string): void {
    const name = canLogIn(facility) ? facility!.name : null;
    this._status = status;
    if (this._flow?.facility !== name) {
      this._flow?.dispose();
      this._flow = name
        ? new LoginFlow({
            facility: name,
            api: this.options.api,
            onChange: () => this._render(),
            onLoggedIn: this.options.onLoggedIn,
            onLoggedOut: this.options.onLoggedOut
          })
        : null;
      if (this._flow && status !== 'ok') {
        void this._flow.resume();
      }
    }
    this._render();
  }

  dispose(): void {
    this._flow?.dispose();
    this._flow = null;
    this._stopTicker();
  }

  private _render(): void {
    const flow = this._flow;
    const state = flow?.state;
    if (
      state?.kind === 'device' &&
      this._statusNode?.isConnected &&
      this._shown === 'device' &&
      this._shownCode === state.login.user_code
    ) {
      // Another look at the same login: only its line changes, so focus stays where it is.
      this._statusNode.textContent = this._deviceStatus(state);
      return;
    }
    const focused = this.node.contains(document.activeElement);
    this._stopTicker();
    this._statusNode = null;
    if (!flow || !state) {
      this.node.hidden = true;
      this.node.replaceChildren();
      return;
    }
    if (state.kind !== 'code') {
      this._field = null; // a new login starts with an empty field
    }
    this.node.hidden = false;
    this.node.dataset.state = state.kind;
    switch (state.kind) {
      case 'idle':
        this.node.replaceChildren(...this._idle(flow));
        break;
      case 'busy':
        this.node.replaceChildren(this._busy(state.action));
        break;
      case 'device':
        this.node.replaceChildren(...this._device(flow, state));
        break;
      case 'code':
        this._renderCode(flow, state);
        if (focused && !state.sending) {
          this._field?.focus(); // after a refused code, straight back to the field
        }
        break;
      case 'failed': {
        // What failed, then what the facility's status offers (Log in, or Log out).
        const next = this._idle(flow);
        this.node.replaceChildren(
          h(
            'div',
            { class: 'hpc-Login-failed hpc-mod-error', role: 'alert' },
            state.message ??
              this.options.trans.__('The login ended without logging in.')
          ),
          ...(next.length ? next : [this._loginButton(flow)])
        );
        break;
      }
    }
    this._shownCode = state.kind === 'device' ? state.login.user_code : null;
    if (state.kind !== this._shown) {
      // Keyboard users go on where the next step is: the login page, or the code field.
      this._shown = state.kind;
      const target =
        state.kind === 'code'
          ? this._field
          : state.kind === 'device'
            ? this.node.querySelector<HTMLElement>('.hpc-Login-link')
            : null;
      target?.focus();
    }
  }

  private _idle(flow: LoginFlow): Node[] {
    if (this._status === 'ok') {
      const logout = h(
        'button',
        { class: 'hpc-Login-logout jp-mod-styled', type: 'button' },
        this.options.trans.__('Log out')
      );
      logout.addEventListener('click', () => void flow.logout());
      return [logout];
    }
    if (this._status === 'expired' || this._status === 'error') {
      return [this._loginButton(flow)];
    }
    return [];
  }

  private _loginButton(flow: LoginFlow): HTMLButtonElement {
    const button = h(
      'button',
      {
        class: 'hpc-Login-start jp-mod-styled jp-mod-accept',
        type: 'button'
      },
      this.options.trans.__('Log in')
    );
    button.addEventListener('click', () => void flow.start());
    return button;
  }

  private _busy(action: string): HTMLElement {
    const trans = this.options.trans;
    const text =
      action === 'logout'
        ? trans.__('Logging out…')
        : action === 'cancel'
          ? trans.__('Cancelling…')
          : action === 'resume'
            ? trans.__('Checking for a login under way…')
            : trans.__('Starting the login…');
    return h('div', { class: 'hpc-Login-busy', role: 'status' }, text);
  }

  private _device(
    flow: LoginFlow,
    state: Extract<LoginState, { kind: 'device' }>
  ): Node[] {
    const trans = this.options.trans;
    const { login } = state;
    const page = login.verification_uri_complete ?? login.verification_uri;
    const code = login.user_code ?? '';
    const left = h('div', { class: 'hpc-Login-left', 'aria-live': 'off' });
    const nodes: Node[] = [
      h(
        'p',
        { class: 'hpc-Login-step' },
        trans.__('Open the login page and enter this code there:')
      ),
      this._link(page, trans.__('Open the login page')),
      h(
        'div',
        { class: 'hpc-Login-codeRow' },
        h(
          'output',
          {
            class: 'hpc-Login-code',
            'aria-label': trans.__('Code to enter')
          },
          code
        ),
        iconButton(
          copyIcon.element({ tag: 'span' }),
          trans.__('Copy the code'),
          'hpc-Login-copy',
          () => Clipboard.copyToSystem(code)
        )
      ),
      left,
      (this._statusNode = h(
        'div',
        { class: 'hpc-Login-status', role: 'status' },
        this._deviceStatus(state)
      )),
      this._cancelButton(flow)
    ];
    const tick = () => {
      const seconds = secondsLeft(login.expires_at, Date.now());
      left.textContent =
        seconds === null
          ? ''
          : trans.__('Time left: %1', formatSeconds(seconds));
    };
    tick();
    if (login.expires_at !== null && login.expires_at !== undefined) {
      this._ticker = setInterval(tick, 1000);
    }
    return nodes;
  }

  private _deviceStatus(
    state: Extract<LoginState, { kind: 'device' }>
  ): string {
    const trans = this.options.trans;
    return state.problem
      ? trans.__('Cannot ask the server now (%1); trying again.', state.problem)
      : (state.login.message ??
          trans.__('Waiting for you to log in at the provider…'));
  }

  /** The Globus step: open the page, paste the code. Keeps the field across renders. */
  private _renderCode(
    flow: LoginFlow,
    state: Extract<LoginState, { kind: 'code' }>
  ): void {
    const trans = this.options.trans;
    if (!this._field) {
      this._field = h('input', {
        class: 'hpc-Login-field jp-mod-styled',
        id: `hpc-Login-field-${++fieldCount}`,
        type: 'text',
        autocomplete: 'off',
        spellcheck: 'false'
      });
    }
    const field = this._field;
    const fieldId = field.id;
    field.disabled = state.sending;
    const send = h(
      'button',
      { class: 'hpc-Login-send jp-mod-styled jp-mod-accept', type: 'submit' },
      trans.__('Log in')
    );
    send.disabled = state.sending;
    const form = h(
      'form',
      { class: 'hpc-Login-form' },
      h('label', { for: fieldId }, trans.__('Code from the login page')),
      h('div', { class: 'hpc-Login-codeRow' }, field, send)
    );
    form.addEventListener('submit', event => {
      event.preventDefault();
      void flow.submitCode(field.value);
    });
    const nodes: Node[] = [
      h(
        'p',
        { class: 'hpc-Login-step' },
        trans.__(
          'Open the login page, log in there, then paste the code it shows here.'
        )
      ),
      this._link(state.login.authorize_url, trans.__('Open the login page')),
      form
    ];
    if (state.refused) {
      nodes.push(
        h(
          'div',
          { class: 'hpc-Login-refused hpc-mod-error', role: 'alert' },
          state.refused
        )
      );
    }
    if (state.sending) {
      nodes.push(h('div', { role: 'status' }, trans.__('Checking the code…')));
    }
    nodes.push(this._cancelButton(flow));
    this.node.replaceChildren(...nodes);
  }

  /** A link opening `url` in a new tab; only http(s) addresses become links. */
  private _link(url: string | null | undefined, text: string): HTMLElement {
    if (!url || !/^https?:\/\//i.test(url)) {
      return h(
        'div',
        { class: 'hpc-mod-error' },
        this.options.trans.__('The server gave no login page.')
      );
    }
    return h(
      'a',
      {
        class: 'hpc-Login-link',
        href: url,
        target: '_blank',
        rel: 'noopener noreferrer'
      },
      text
    );
  }

  private _cancelButton(flow: LoginFlow): HTMLButtonElement {
    const cancel = h(
      'button',
      { class: 'hpc-Login-cancel jp-mod-styled jp-mod-reject', type: 'button' },
      this.options.trans.__('Cancel')
    );
    cancel.addEventListener('click', () => void flow.cancel());
    return cancel;
  }

  private _stopTicker(): void {
    if (this._ticker !== null) {
      clearInterval(this._ticker);
      this._ticker = null;
    }
  }

  private _flow: LoginFlow | null = null;
  private _shown: LoginState['kind'] = 'idle';
  private _shownCode: string | null | undefined = null;
  private _statusNode: HTMLDivElement | null = null;
  private _status = '';
  private _field: HTMLInputElement | null = null;
  private _ticker: ReturnType<typeof setInterval> | null = null;
}
