/**
 * HPCPanel: the left sidebar panel: facility picker with its credential status, the
 * facility's files (RemoteFiles) and its jobs (RemoteJobs).
 */
import type { TranslationBundle } from '@jupyterlab/translation';
import { ISignal, Signal } from '@lumino/signaling';
import type { Message } from '@lumino/messaging';
import { Panel, Widget } from '@lumino/widgets';

import type { JobMonitor } from '../monitor';
import type { Handshake, HPCService } from '../service';
import { HPC } from '../tokens';
import { h } from './dom';
import { RemoteFiles, type ReadLabFiles } from './files';
import { RemoteJobs } from './jobs';
import { canLogIn, LoginBox } from './login';

export namespace HPCPanel {
  export interface IOptions {
    service: HPCService;
    monitor: JobMonitor;
    trans: TranslationBundle;
    openFile: (facility: string, path: string) => void;
    download: (facility: string, entry: HPC.IFileEntry) => void;
    openLog: (job: HPC.IJob) => void;
    /** Open the submit dialog filled with how a job was submitted. */
    resubmit?: (job: HPC.IJob) => void;
    /** Open a notebook of Lab's workspace (where a job was submitted from). */
    openNotebook?: (path: string) => void;
    /** Read files of Lab's workspace, for uploads from Lab's file browser. */
    readLabFiles?: ReadLabFiles;
    /** Show what a facility with `status` says about itself. */
    openStatus?: (facility: string) => void;
  }

  /** What is restored on reload. */
  export interface IState {
    facility: string | null;
    files: RemoteFiles.IState;
    jobs: RemoteJobs.IState;
  }
}

export class HPCPanel extends Panel {
  constructor(options: HPCPanel.IOptions) {
    super();
    this.id = 'hpc-jupyter-panel';
    this.addClass('hpc-Panel');
    this._service = options.service;
    this._monitor = options.monitor;
    this._trans = options.trans;
    const trans = this._trans;

    this._picker = h('select', {
      class: 'hpc-Panel-facility jp-mod-styled',
      'aria-label': trans.__('Facility')
    });
    this._picker.addEventListener('change', () =>
      this._select(this._picker.value)
    );
    this._authText = h('span', { class: 'hpc-Panel-authText' });
    this._recheck = h(
      'button',
      {
        class: 'hpc-Panel-recheck jp-mod-styled',
        title: trans.__('Ask the facility again, after logging in')
      },
      trans.__('Check again')
    );
    this._recheck.addEventListener('click', () => void this.recheckAuth());
    const openStatus = options.openStatus;
    this._statusButton = h(
      'button',
      {
        class: 'hpc-Panel-status jp-mod-styled',
        title: trans.__(
          "The facility's systems, maintenance, partitions and allocations"
        ),
        hidden: ''
      },
      trans.__('Facility status')
    );
    this._statusButton.addEventListener('click', () => {
      if (this._facility && openStatus) {
        openStatus(this._facility.name);
      }
    });
    if (!openStatus) {
      this._statusButton.remove();
    }
    this._auth = h(
      'div',
      { class: 'hpc-Panel-auth', role: 'status' },
      this._authText,
      this._recheck
    );
    // Logging in or out changes the facility's status: ask for it again either way.
    this._login = new LoginBox({
      api: this._service,
      trans,
      onLoggedIn: () => void this.recheckAuth(),
      onLoggedOut: () => void this._loggedOut()
    });
    this._message = h('div', { class: 'hpc-Panel-message', role: 'alert' });
    const header = new Widget({
      node: h(
        'div',
        { class: 'hpc-Panel-header' },
        h('h2', { class: 'hpc-Panel-title' }, trans.__('HPC facilities')),
        this._message,
        h(
          'label',
          { class: 'hpc-Panel-picker' },
          h('span', {}, trans.__('Facility')),
          this._picker
        ),
        this._auth,
        this._statusButton,
        this._login.node
      )
    });
    this.files = new RemoteFiles({
      service: this._service,
      trans,
      openFile: options.openFile,
      download: options.download,
      readLabFiles: options.readLabFiles
    });
    this.jobs = new RemoteJobs({
      service: this._service,
      monitor: this._monitor,
      trans,
      openLog: options.openLog,
      resubmit: options.resubmit,
      openNotebook: options.openNotebook
    });
    this.addWidget(header);
    this.addWidget(this.files);
    this.addWidget(this.jobs);
    this.files.setHidden(true);
    this.jobs.setHidden(true);
    this.files.stateChanged.connect(this._emitState, this);
    this.files.authFailed.connect((_, message) => this._authFailed(message));
    this._monitor.listed.connect((_, listing) => {
      if (listing.facility !== this._facility?.name) {
        return;
      }
      if (listing.error?.isFacilityAuth) {
        this._authFailed(listing.error.message);
      } else if (
        !listing.error &&
        !listing.stale &&
        !this._recheck.hidden &&
        !this._recheck.disabled
      ) {
        // The header offers "Check again", yet the facility answers again: check at once,
        // so its status and files come back without the user having to notice.
        void this.recheckAuth();
      }
    }, this);
    this.jobs.stateChanged.connect(this._emitState, this);
  }

  readonly files: RemoteFiles;
  readonly jobs: RemoteJobs;

  get stateChanged(): ISignal<this, void> {
    return this._stateChanged;
  }

  get state(): HPCPanel.IState {
    return {
      facility: this._facility?.name ?? null,
      files: this.files.state,
      jobs: this.jobs.state
    };
  }

  /** The facility shown, or null. */
  get facility(): HPC.IFacility | null {
    return this._facility;
  }

  /**
   * Start: show the handshake's outcome and, when the server extension answers, load
   * the facilities and show the saved (or first) one.
   */
  async start(
    handshake: Handshake,
    state: Partial<HPCPanel.IState> | null
  ): Promise<void> {
    const trans = this._trans;
    this.files.restore(state?.files);
    this.jobs.restore(state?.jobs);
    if (handshake.kind !== 'ok') {
      this._showMessage(handshakeMessage(handshake, trans));
      this._picker.disabled = true;
      return;
    }
    try {
      this._facilities = await this._service.facilities();
    } catch (error) {
      this._showMessage(
        trans.__('Could not load the facilities: %1', (error as Error).message)
      );
      return;
    }
    this._picker.replaceChildren(
      ...this._facilities.map(facility =>
        h(
          'option',
          { value: facility.name },
          facility.auth.status === 'misconfigured'
            ? trans.__('%1 (%2, misconfigured)', facility.name, facility.kind)
            : `${facility.name} (${facility.kind})`
        )
      )
    );
    if (!this._facilities.length) {
      this._showMessage(trans.__('No facility is configured on this server.'));
      return;
    }
    const saved = this._facilities.find(f => f.name === state?.facility);
    // A misconfigured facility is listed to say what is wrong, not to start on.
    const usable = this._facilities.find(
      f => f.auth.status !== 'misconfigured'
    );
    this._select((saved ?? usable ?? this._facilities[0]).name);
  }

  dispose(): void {
    this._login.dispose();
    super.dispose();
  }

  protected onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    this._monitor.visible = true;
  }

  protected onAfterHide(msg: Message): void {
    super.onAfterHide(msg);
    this._monitor.visible = false;
  }

  private _select(name: string): void {
    const facility = this._facilities.find(f => f.name === name) ?? null;
    this._facility = facility;
    this._picker.value = name;
    this._statusButton.hidden = !facility?.capabilities.includes('status');
    this._showAuth(facility);
    this.files.setFacility(facility);
    this.jobs.setFacility(facility);
    this._monitor.facility = facility;
    this._emitState();
  }

  /**
   * Ask the server for the facility's credential status again (after the user logged in,
   * e.g. renewed a token file); once they work, list its files and jobs again.
   */
  async recheckAuth(): Promise<void> {
    const current = this._facility;
    if (!current) {
      return;
    }
    const trans = this._trans;
    this._recheck.disabled = true;
    this._authText.textContent = trans.__('Checking…');
    let fresh: HPC.IFacility;
    try {
      fresh = await this._service.facility(current.name);
    } catch (error) {
      this._recheck.disabled = false;
      this._authText.textContent = trans.__(
        'Could not ask the server: %1',
        (error as Error).message
      );
      return;
    }
    this._recheck.disabled = false;
    this._facilities = this._facilities.map(f =>
      f.name === fresh.name ? fresh : f
    );
    if (this._facility?.name !== fresh.name) {
      return; // another facility was chosen meanwhile
    }
    if (fresh.auth.status === 'ok' || fresh.auth.status === 'none') {
      this._select(fresh.name); // lists its files and jobs again
    } else {
      this._facility = fresh;
      this._showAuth(fresh);
    }
  }

  /** After "Log out": its status again, and its files and jobs listed again (now refused). */
  private async _loggedOut(): Promise<void> {
    const name = this._facility?.name;
    await this.recheckAuth();
    const status = this._facility?.auth.status;
    if (name && this._facility?.name === name && status !== 'ok') {
      this._select(name);
    }
  }

  /** The facility's credential status, with what to do when it fails. */
  private _showAuth(facility: HPC.IFacility | null): void {
    const trans = this._trans;
    if (!facility) {
      this._setAuth('', '', false);
      return;
    }
    const { status, message } = facility.auth;
    switch (status) {
      case 'none':
        this._setAuth(status, trans.__('No login needed.'), false);
        break;
      case 'ok':
        this._setAuth(status, trans.__('Logged in.'), false);
        break;
      case 'expired':
        this._setAuth(
          status,
          trans.__(
            'Not logged in: the credentials have expired. %1',
            message ?? ''
          ),
          true
        );
        break;
      case 'misconfigured':
        // Logging in again cannot help: the server's configuration must change.
        this._setAuth(
          status,
          message ??
            trans.__("The server's configuration of this facility is wrong."),
          false
        );
        break;
      default:
        // Rejected credentials, or a facility that cannot be asked: its message says which.
        this._setAuth(
          status,
          message
            ? trans.__('Cannot use this facility now: %1', message)
            : trans.__("The facility's credentials could not be checked."),
          true
        );
    }
  }

  /** A call was refused for our credentials: say so, whatever the last check said. */
  private _authFailed(message: string): void {
    this._setAuth(
      'error',
      this._trans.__('Not logged in to this facility: %1', message),
      true
    );
  }

  private _setAuth(status: string, text: string, recheck: boolean): void {
    this._auth.className = 'hpc-Panel-auth';
    if (status) {
      this._auth.classList.add(`hpc-mod-auth-${status}`);
    }
    this._auth.dataset.status = status;
    this._authText.textContent = text;
    // A facility the panel logs in to offers "Log in" instead of "Check again" (which
    // stays for a token service that cannot be asked now).
    const login = canLogIn(this._facility);
    this._recheck.hidden =
      !recheck || (login && (status === 'expired' || status === 'error'));
    this._login.show(login ? this._facility : null, status);
  }

  private _showMessage(text: string): void {
    this._message.textContent = text;
    this._message.classList.toggle('hpc-mod-visible', !!text);
  }

  private _emitState(): void {
    this._stateChanged.emit();
  }

  private _service: HPCService;
  private _monitor: JobMonitor;
  private _trans: TranslationBundle;
  private _facilities: HPC.IFacility[] = [];
  private _facility: HPC.IFacility | null = null;
  private _picker: HTMLSelectElement;
  private _auth: HTMLDivElement;
  private _authText: HTMLSpanElement;
  private _recheck: HTMLButtonElement;
  private _statusButton: HTMLButtonElement;
  private _login: LoginBox;
  private _message: HTMLDivElement;
  private _stateChanged = new Signal<this, void>(this);
}

/** What the user reads when the server extension is missing or of another version. */
export function handshakeMessage(
  handshake: Handshake,
  trans: TranslationBundle
): string {
  switch (handshake.kind) {
    case 'ok':
      return '';
    case 'missing':
      return trans.__(
        'The hpc-jupyter server extension is not running on this Jupyter server. Install the hpc-jupyter package in the environment of the server, check that `jupyter server extension list` shows hpc_jupyter enabled, and restart the server.'
      );
    case 'mismatch':
      return trans.__(
        'This JupyterLab extension speaks version %1 of the hpc-jupyter API but the server has version %2 (hpc-jupyter %3). Install the same hpc-jupyter version for JupyterLab and the server, then reload.',
        String(HPC.API_VERSION),
        handshake.info.api_version,
        handshake.info.version
      );
    default:
      return trans.__(
        'The hpc-jupyter server extension did not answer: %1',
        handshake.error.message
      );
  }
}
