/**
 * Read-only views in the main area: a remote text file (the first chunk, more as the user
 * scrolls) and a job's log that follows the job until it ends.
 */
import type { TranslationBundle } from '@jupyterlab/translation';
import { Poll } from '@lumino/polling';
import { Widget } from '@lumino/widgets';

import { formatSize } from '../paths';
import type { HPCService } from '../service';
import { h } from './dom';

/** How much of a file is read at a time. */
export const FILE_CHUNK = 256 * 1024;

/** Scrolled to within this many pixels of the end counts as at the end. */
const NEAR_END = 64;

export namespace RemoteFileViewer {
  export interface IOptions {
    service: HPCService;
    trans: TranslationBundle;
    facility: string;
    path: string;
  }
}

/** A remote text file, read-only; more is read when the user scrolls to the end. */
export class RemoteFileViewer extends Widget {
  constructor(options: RemoteFileViewer.IOptions) {
    super();
    this.addClass('hpc-Viewer');
    this.addClass('hpc-FileViewer');
    this.service = options.service;
    this.trans = options.trans;
    this.facility = options.facility;
    this.path = options.path;
    this._status = h('div', { class: 'hpc-Viewer-status' });
    this._text = h('pre', { class: 'hpc-Viewer-text' });
    this.node.append(
      h(
        'div',
        { class: 'hpc-Viewer-banner' },
        this.trans.__('Read-only: %1 on %2', this.path, this.facility)
      ),
      this._text,
      this._status
    );
    this.node.addEventListener('scroll', () => {
      const node = this.node;
      if (node.scrollTop + node.clientHeight >= node.scrollHeight - NEAR_END) {
        void this.loadMore();
      }
    });
    void this.loadMore();
  }

  readonly service: HPCService;
  readonly trans: TranslationBundle;
  readonly facility: string;
  readonly path: string;

  /** Whether the whole file has been read. */
  get complete(): boolean {
    return this._complete;
  }

  /** Read the next chunk, unless one is being read or the end was reached. */
  async loadMore(): Promise<void> {
    if (this._loading || this._complete) {
      return;
    }
    this._loading = true;
    const trans = this.trans;
    this._status.textContent = trans.__('Loading…');
    try {
      const bytes = new Uint8Array(
        await this.service.readFile(
          this.facility,
          this.path,
          this._offset,
          FILE_CHUNK
        )
      );
      if (this._offset === 0 && bytes.slice(0, 8000).includes(0)) {
        this._complete = true;
        this._status.textContent = trans.__(
          'This looks like a binary file; it is not shown.'
        );
        return;
      }
      this._offset += bytes.length;
      this._complete = bytes.length < FILE_CHUNK;
      // stream: true keeps a character split across two chunks for the next one
      this._text.append(
        this._decoder.decode(bytes, { stream: !this._complete })
      );
      this._status.textContent = this._complete
        ? trans.__('End of file (%1).', formatSize(this._offset))
        : trans.__(
            'Showing the first %1; scroll down for more.',
            formatSize(this._offset)
          );
    } catch (error) {
      this._status.textContent = trans.__(
        'Could not read the file: %1',
        (error as Error).message
      );
    } finally {
      this._loading = false;
    }
  }

  private _text: HTMLPreElement;
  private _status: HTMLDivElement;
  private _decoder = new TextDecoder('utf-8');
  private _offset = 0;
  private _loading = false;
  private _complete = false;
}

export namespace JobLogViewer {
  export interface IOptions {
    service: HPCService;
    trans: TranslationBundle;
    facility: string;
    system: string;
    jobId: string;
    stream?: 'stdout' | 'stderr';
  }
}

/** A job's log, following it (every 2 s) until the job has ended and all of it is read. */
export class JobLogViewer extends Widget {
  constructor(options: JobLogViewer.IOptions) {
    super();
    this.addClass('hpc-Viewer');
    this.addClass('hpc-LogViewer');
    this.service = options.service;
    this.trans = options.trans;
    this.facility = options.facility;
    this.system = options.system;
    this.jobId = options.jobId;
    this.stream = options.stream ?? 'stdout';
    this._status = h('div', { class: 'hpc-Viewer-status' });
    this._text = h('pre', { class: 'hpc-Viewer-text' });
    this.node.append(
      h(
        'div',
        { class: 'hpc-Viewer-banner' },
        this.trans.__(
          '%1 of job %2 on %3',
          this.stream,
          this.jobId,
          this.facility
        )
      ),
      this._text,
      this._status
    );
    this._poll = new Poll({
      factory: () => this._read(),
      frequency: { interval: 2000, backoff: true, max: 30 * 1000 },
      name: `hpc-jupyter:log:${this.jobId}`
    });
  }

  readonly service: HPCService;
  readonly trans: TranslationBundle;
  readonly facility: string;
  readonly system: string;
  readonly jobId: string;
  readonly stream: 'stdout' | 'stderr';

  dispose(): void {
    this._poll.dispose();
    super.dispose();
  }

  private async _read(): Promise<void> {
    const trans = this.trans;
    const node = this.node;
    const atEnd =
      node.scrollTop + node.clientHeight >= node.scrollHeight - NEAR_END;
    let complete = false;
    try {
      // Read until caught up, so a long log appears at once rather than a chunk per tick.
      for (;;) {
        const chunk = await this.service.readOutput(
          this.facility,
          this.jobId,
          this.stream,
          this._offset,
          this.system
        );
        const grew = chunk.offset > this._offset;
        this._offset = chunk.offset;
        if (chunk.data) {
          this._text.append(chunk.data);
        }
        complete = chunk.complete;
        if (complete || !grew) {
          break;
        }
      }
    } catch (error) {
      this._status.textContent = trans.__(
        'Could not read the log: %1',
        (error as Error).message
      );
      throw error; // the poll backs off
    }
    if (atEnd) {
      node.scrollTop = node.scrollHeight;
    }
    if (complete) {
      this._status.textContent = trans.__(
        'The job has ended; this is all of its log.'
      );
      this.node.dataset.complete = 'true';
      this._poll.dispose();
    } else {
      this._status.textContent = trans.__(
        'Following the log (updated %1).',
        new Date().toLocaleTimeString()
      );
    }
  }

  private _poll: Poll;
  private _text: HTMLPreElement;
  private _status: HTMLDivElement;
  private _offset = 0;
}
