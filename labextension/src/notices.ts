/**
 * NoticeWatcher: tells the user of a new incident or maintenance at a facility where they
 * have active jobs. Only those facilities (with `status`) are asked, each at most once per
 * interval (5 minutes); a notice is told once per session (by facility and id).
 */
import { Poll } from '@lumino/polling';
import type { IDisposable } from '@lumino/disposable';

import { newNotices } from './foresight';
import type { HPCService } from './service';
import type { HPC } from './tokens';

/** The least time between two status calls for one facility, in ms. */
export const NOTICE_INTERVAL = 5 * 60 * 1000;

/** How often the watcher looks whether a facility is due, in ms. */
const TICK = 30 * 1000;

export namespace NoticeWatcher {
  export interface IOptions {
    service: HPCService;
    /** The facilities the user has PENDING or RUNNING jobs on now. */
    active: () => Iterable<string>;
    /** Tell the user of a notice. */
    notify: (facility: string, notice: HPC.INotice) => void;
    /** The least time between two status calls for one facility, in ms. */
    interval?: number;
    /** Now, in ms (a test's clock). */
    now?: () => number;
    /** Poll by itself (false in tests, which call `check`). */
    poll?: boolean;
  }
}

export class NoticeWatcher implements IDisposable {
  constructor(options: NoticeWatcher.IOptions) {
    this._service = options.service;
    this._active = options.active;
    this._notify = options.notify;
    this._interval = options.interval ?? NOTICE_INTERVAL;
    this._now = options.now ?? Date.now;
    if (options.poll !== false) {
      this._poll = new Poll({
        factory: () => this.check(),
        frequency: { interval: Math.min(TICK, this._interval), backoff: false },
        standby: 'when-hidden',
        name: 'hpc-jupyter:notices'
      });
    }
  }

  /**
   * Ask each active facility with `status` that was not asked within the interval, and
   * tell of the notices new to this session.
   */
  async check(): Promise<void> {
    const now = this._now();
    const due = [...new Set(this._active())].filter(
      name => now - (this._asked.get(name) ?? -Infinity) >= this._interval
    );
    if (!due.length) {
      return;
    }
    const capable = await this._withStatus();
    for (const name of due) {
      if (!capable.has(name)) {
        continue;
      }
      this._asked.set(name, now);
      let status: HPC.IFacilityStatus;
      try {
        status = await this._service.status(name);
      } catch {
        continue; // asked again after the interval; a failing status is no notice
      }
      for (const notice of newNotices(status, this._shown, now / 1000)) {
        this._notify(name, notice);
      }
    }
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    const poll = this._poll;
    if (poll) {
      void poll.stop().finally(() => poll.dispose());
    }
  }

  /** The facilities with `status` (asked once; again after a failure). */
  private async _withStatus(): Promise<Set<string>> {
    if (!this._capable) {
      this._capable = this._service.facilities().then(
        facilities =>
          new Set(
            facilities
              .filter(f => f.capabilities.includes('status'))
              .map(f => f.name)
          ),
        () => {
          this._capable = null;
          return new Set<string>();
        }
      );
    }
    return this._capable;
  }

  private _service: HPCService;
  private _active: () => Iterable<string>;
  private _notify: (facility: string, notice: HPC.INotice) => void;
  private _interval: number;
  private _now: () => number;
  private _poll: Poll | null = null;
  private _isDisposed = false;
  private _capable: Promise<Set<string>> | null = null;
  /** When each facility was last asked, in ms. */
  private _asked = new Map<string, number>();
  /** The notices told this session (facility and id). */
  private _shown = new Set<string>();
}
