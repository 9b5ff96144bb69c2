/**
 * RemoteFiles: a facility's files in the side panel: breadcrumbs, sort, refresh, open,
 * upload (button, drag and drop from the desktop or from Lab's file browser) with
 * progress, mkdir, rename, delete.
 *
 * The list is windowed: only the rows on screen (and a few either side) are in the DOM,
 * placed at their offset in a sizer as tall as the whole list, so a directory of tens of
 * thousands of entries scrolls without building tens of thousands of nodes.
 */
import { Dialog, InputDialog, showDialog } from '@jupyterlab/apputils';
import type { TranslationBundle } from '@jupyterlab/translation';
import {
  deleteIcon,
  downloadIcon,
  editIcon,
  fileIcon,
  fileUploadIcon,
  folderIcon,
  newFolderIcon,
  refreshIcon
} from '@jupyterlab/ui-components';
import type { Drag } from '@lumino/dragdrop';
import { ISignal, Signal } from '@lumino/signaling';
import { Widget } from '@lumino/widgets';

import {
  breadcrumbs,
  formatSize,
  isValidName,
  joinPath,
  parentPath,
  sortEntries,
  SortKey
} from '../paths';
import type { ILabFiles } from '../labfiles';
import { HPCRequestError, type HPCService } from '../service';
import type { HPC } from '../tokens';
import { scrollToRow, visibleRows } from '../window';
import { h, iconButton } from './dom';

/** Every row's height in px (the windowing needs equal rows; style/base.css agrees). */
export const ROW_HEIGHT = 24;
/** Rows asked for first: enough to fill the panel, small enough to come at once. */
export const FIRST_PAGE = 1000;

/** Reads Lab's workspace items by path (the types, when known, spare asking for them). */
export type ReadLabFiles = (
  paths: string[],
  knownTypes?: Record<string, string>
) => Promise<ILabFiles>;

/** What Lab's file browser puts in a drag: the dragged items' contents paths. */
export const LAB_CONTENTS_MIME = 'application/x-jupyter-icontents';

export namespace RemoteFiles {
  export interface IOptions {
    service: HPCService;
    trans: TranslationBundle;
    /** Open a remote file read-only in a Lab tab. */
    openFile: (facility: string, path: string) => void;
    /** Copy a remote file into the folder of Lab's file browser. */
    download: (facility: string, entry: HPC.IFileEntry) => void;
    /** Read files of Lab's workspace dragged here from Lab's file browser. */
    readLabFiles?: ReadLabFiles;
  }

  /** What is restored on reload. */
  export interface IState {
    paths: Record<string, string>;
    sortKey: SortKey;
    ascending: boolean;
  }
}

export class RemoteFiles extends Widget {
  constructor(options: RemoteFiles.IOptions) {
    super();
    this.addClass('hpc-RemoteFiles');
    this._service = options.service;
    this._trans = options.trans;
    this._openFile = options.openFile;
    this._download = options.download;
    this._readLabFiles = options.readLabFiles ?? null;
    const trans = this._trans;

    this._upload = h('input', {
      type: 'file',
      multiple: '',
      class: 'hpc-RemoteFiles-uploadInput'
    });
    this._upload.addEventListener('change', () => {
      const files = Array.from(this._upload.files ?? []);
      this._upload.value = '';
      void this.uploadFiles(files);
    });
    this._toolbar = h(
      'div',
      { class: 'hpc-Toolbar' },
      iconButton(
        refreshIcon.element({ tag: 'span' }),
        trans.__('Refresh'),
        'hpc-RemoteFiles-refresh',
        () => void this.refresh()
      ),
      iconButton(
        newFolderIcon.element({ tag: 'span' }),
        trans.__('New folder'),
        'hpc-RemoteFiles-mkdir hpc-mod-write',
        () => void this._mkdir()
      ),
      iconButton(
        fileUploadIcon.element({ tag: 'span' }),
        trans.__('Upload files from this computer'),
        'hpc-RemoteFiles-upload hpc-mod-write',
        () => this._upload.click()
      ),
      this._upload
    );
    this._crumbs = h('div', { class: 'hpc-RemoteFiles-crumbs' });
    this._status = h('div', {
      class: 'hpc-RemoteFiles-status',
      role: 'status'
    });
    this._progress = h('div', { class: 'hpc-RemoteFiles-progress' });
    this._header = h('div', { class: 'hpc-RemoteFiles-header' });
    this._list = h('div', {
      class: 'hpc-RemoteFiles-list',
      role: 'list',
      tabindex: '0',
      'aria-label': trans.__('Remote files')
    });
    this._sizer = h('div', { class: 'hpc-RemoteFiles-sizer' });
    this._list.append(this._sizer);
    this._list.addEventListener('scroll', () => this._scheduleRows());
    this._list.addEventListener('keydown', event => this._onKey(event));
    if (typeof ResizeObserver !== 'undefined') {
      this._resizeObserver = new ResizeObserver(() => this._scheduleRows());
      this._resizeObserver.observe(this._list);
    }
    this.node.append(
      this._toolbar,
      this._crumbs,
      this._status,
      this._header,
      this._list,
      this._progress
    );
    this._renderHeader();
    this._list.addEventListener('dragover', event => {
      if (this._canWrite() && event.dataTransfer?.types.includes('Files')) {
        event.preventDefault();
        this._list.classList.add('hpc-mod-dropTarget');
      }
    });
    this._list.addEventListener('dragleave', () =>
      this._list.classList.remove('hpc-mod-dropTarget')
    );
    this._list.addEventListener('drop', event => {
      this._list.classList.remove('hpc-mod-dropTarget');
      if (!this._canWrite() || !event.dataTransfer?.files.length) {
        return;
      }
      event.preventDefault();
      void this.uploadFiles(Array.from(event.dataTransfer.files));
    });
    // Lab's own file browser drags with lumino's drag events, not the DOM's.
    for (const type of [
      'lm-dragenter',
      'lm-dragover',
      'lm-dragleave',
      'lm-drop'
    ]) {
      this._list.addEventListener(type, event =>
        this._onLabDrag(event as Drag.Event)
      );
    }
  }

  /** Where uploads go now: the facility and folder shown, if writable; else null. */
  get uploadTarget(): { facility: string; path: string } | null {
    const path = this.path;
    return this._facility && this._canWrite() && path !== null
      ? { facility: this._facility.name, path }
      : null;
  }

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this._resizeObserver?.disconnect();
    super.dispose();
  }

  /** Saved state changed. */
  get stateChanged(): ISignal<this, void> {
    return this._stateChanged;
  }

  /** The facility refused our credentials (with its message). */
  get authFailed(): ISignal<this, string> {
    return this._authFailed;
  }

  get state(): RemoteFiles.IState {
    return {
      paths: { ...this._paths },
      sortKey: this._sortKey,
      ascending: this._ascending
    };
  }

  restore(state: Partial<RemoteFiles.IState> | null | undefined): void {
    if (!state) {
      return;
    }
    this._paths = { ...(state.paths ?? {}) };
    if (state.sortKey) {
      this._sortKey = state.sortKey;
    }
    if (typeof state.ascending === 'boolean') {
      this._ascending = state.ascending;
    }
    this._renderHeader();
  }

  /** The directory shown, or null before the first listing. */
  get path(): string | null {
    return this._listing?.path ?? null;
  }

  /** Show another facility's files (null for none). */
  setFacility(facility: HPC.IFacility | null): void {
    this._facility = facility;
    this._listing = null;
    const readable = !!facility?.capabilities.includes('files.read');
    this.node.classList.toggle('hpc-mod-writable', this._canWrite());
    this.setHidden(!readable);
    if (readable && facility) {
      void this.navigate(this._paths[facility.name] ?? null);
    }
  }

  /** List `path` (the home directory for null). */
  async navigate(path: string | null): Promise<void> {
    const facility = this._facility;
    if (!facility) {
      return;
    }
    const ticket = ++this._navigations;
    // The user chose another facility or directory meanwhile: this answer is not wanted.
    const outdated = () =>
      this._facility !== facility || ticket !== this._navigations;
    this._status.textContent = this._trans.__('Loading…');
    try {
      // The first rows first: a directory of 100,000 entries shows its first page at once,
      // the rest comes in one more request.
      const first = await this._service.listFiles(
        facility.name,
        path ?? undefined,
        undefined,
        { limit: FIRST_PAGE }
      );
      if (outdated()) {
        return;
      }
      const total = first.total ?? first.entries.length;
      const complete = total <= first.entries.length;
      this._show(
        facility,
        { path: first.path, entries: first.entries },
        complete
          ? ''
          : this._trans.__(
              'Showing %1 of %2 entries; loading the rest…',
              first.entries.length,
              total
            )
      );
      if (complete) {
        return;
      }
      const rest = await this._service.listFiles(
        facility.name,
        first.path,
        undefined,
        { offset: first.entries.length }
      );
      if (outdated()) {
        return;
      }
      this._show(
        facility,
        { path: first.path, entries: [...first.entries, ...rest.entries] },
        ''
      );
    } catch (error) {
      if (!outdated()) {
        this._showError(error);
      }
    }
  }

  /** Show a listing (all of it, or its first page with `status` saying so). */
  private _show(
    facility: HPC.IFacility,
    listing: HPC.IListing,
    status: string
  ): void {
    if (listing.path !== this._listing?.path) {
      this._list.scrollTop = 0;
      this._selected = null;
    }
    this._listing = listing;
    this._paths[facility.name] = listing.path;
    this._status.textContent = status;
    this._status.classList.remove('hpc-mod-error');
    this._stateChanged.emit();
    this._render();
  }

  async refresh(): Promise<void> {
    await this.navigate(this.path);
  }

  /** Upload files into the directory shown, with progress; confirm replacing a file. */
  async uploadFiles(files: File[]): Promise<void> {
    const facility = this._facility;
    const dir = this.path;
    if (!facility || dir === null || !files.length) {
      return;
    }
    const trans = this._trans;
    const existing = new Set(this._listing?.entries.map(entry => entry.name));
    const replacing = files.filter(file => existing.has(file.name));
    if (replacing.length) {
      const answer = await showDialog({
        title: trans.__('Replace files?'),
        body: trans.__(
          'These already exist in %1 and will be replaced: %2',
          dir,
          replacing.map(file => file.name).join(', ')
        ),
        buttons: [
          Dialog.cancelButton({ label: trans.__('Cancel') }),
          Dialog.warnButton({ label: trans.__('Replace') })
        ]
      });
      if (!answer.button.accept) {
        return;
      }
    }
    await Promise.all(files.map(file => this._uploadOne(facility, dir, file)));
    await this.refresh();
  }

  private async _uploadOne(
    facility: HPC.IFacility,
    dir: string,
    file: File
  ): Promise<void> {
    const bar = h('progress', { max: '100', value: '0' });
    const label = h('span', { class: 'hpc-RemoteFiles-progressLabel' });
    const row = h(
      'div',
      { class: 'hpc-RemoteFiles-upload', 'data-name': file.name },
      label,
      bar
    );
    const show = (percent: number) => {
      bar.value = percent;
      label.textContent = this._trans.__(
        'Uploading %1: %2%',
        file.name,
        percent
      );
    };
    show(0);
    this._progress.append(row);
    try {
      await this._service.upload(
        facility.name,
        joinPath(dir, file.name),
        file,
        (loaded, total) => show(Math.round((100 * loaded) / Math.max(total, 1)))
      );
      show(100);
      row.classList.add('hpc-mod-done');
      label.textContent = this._trans.__('Uploaded %1', file.name);
      setTimeout(() => row.remove(), 4000);
    } catch (error) {
      row.classList.add('hpc-mod-error');
      label.textContent = this._trans.__(
        'Upload of %1 failed: %2',
        file.name,
        (error as Error).message
      );
      setTimeout(() => row.remove(), 15000);
    }
  }

  /** Lab's file browser drags items over the list or drops them: upload their files. */
  private _onLabDrag(event: Drag.Event): void {
    const accepted =
      !!this._readLabFiles &&
      this.uploadTarget !== null &&
      event.mimeData.hasData(LAB_CONTENTS_MIME);
    if (event.type === 'lm-dragleave' || !accepted) {
      this._list.classList.remove('hpc-mod-dropTarget');
      return;
    }
    event.preventDefault();
    event.stopPropagation();
    // Lab's drags offer only "move"; what happens here is a copy (the source stays).
    event.dropAction = event.proposedAction;
    if (event.type !== 'lm-drop') {
      this._list.classList.add('hpc-mod-dropTarget');
      return;
    }
    this._list.classList.remove('hpc-mod-dropTarget');
    const paths = event.mimeData.getData(LAB_CONTENTS_MIME) as string[];
    void this.uploadLabFiles(paths);
  }

  /** Upload files of Lab's workspace (by their contents paths) to the folder shown. */
  async uploadLabFiles(
    paths: string[],
    knownTypes?: Record<string, string>
  ): Promise<void> {
    if (!this._readLabFiles || !paths.length) {
      return;
    }
    const trans = this._trans;
    let read: ILabFiles;
    try {
      read = await this._readLabFiles(paths, knownTypes);
    } catch (error) {
      this._note(
        trans.__('Could not read %1', (error as Error).message),
        'hpc-mod-error'
      );
      return;
    }
    if (read.folders.length) {
      this._note(
        trans.__(
          'Folders are not uploaded, only files: %1',
          read.folders.join(', ')
        ),
        'hpc-mod-error'
      );
    }
    await this.uploadFiles(read.files);
  }

  /** A line in the progress area that goes away by itself. */
  private _note(text: string, className: string): void {
    const row = h(
      'div',
      { class: `hpc-RemoteFiles-upload ${className}` },
      h('span', { class: 'hpc-RemoteFiles-progressLabel' }, text)
    );
    this._progress.append(row);
    setTimeout(() => row.remove(), 15000);
  }

  private _canWrite(): boolean {
    return !!this._facility?.capabilities.includes('files.write');
  }

  private async _mkdir(): Promise<void> {
    const facility = this._facility;
    const dir = this.path;
    if (!facility || dir === null) {
      return;
    }
    const trans = this._trans;
    const answer = await InputDialog.getText({
      title: trans.__('New folder in %1', dir),
      placeholder: trans.__('Folder name'),
      okLabel: trans.__('Create')
    });
    const name = answer.value?.trim() ?? '';
    if (!answer.button.accept || !name) {
      return;
    }
    if (!isValidName(name)) {
      this._status.textContent = trans.__('"%1" cannot name a folder.', name);
      return;
    }
    await this._run(() =>
      this._service.mkdir(facility.name, joinPath(dir, name))
    );
  }

  private async _rename(entry: HPC.IFileEntry): Promise<void> {
    const facility = this._facility;
    if (!facility) {
      return;
    }
    const trans = this._trans;
    const answer = await InputDialog.getText({
      title: trans.__('Rename %1', entry.name),
      text: entry.name,
      okLabel: trans.__('Rename')
    });
    const name = answer.value?.trim() ?? '';
    if (!answer.button.accept || !name || name === entry.name) {
      return;
    }
    if (!isValidName(name)) {
      this._status.textContent = trans.__('"%1" cannot name a file.', name);
      return;
    }
    const target = joinPath(parentPath(entry.path), name);
    await this._run(() =>
      this._service.move(facility.name, entry.path, target)
    );
  }

  private async _delete(entry: HPC.IFileEntry): Promise<void> {
    const facility = this._facility;
    if (!facility) {
      return;
    }
    const trans = this._trans;
    const isDir = entry.type === 'directory';
    const answer = await showDialog({
      title: trans.__('Delete %1?', entry.name),
      body: isDir
        ? trans.__(
            'The folder %1 and everything in it will be deleted on %2. This cannot be undone.',
            entry.path,
            facility.name
          )
        : trans.__(
            '%1 will be deleted on %2. This cannot be undone.',
            entry.path,
            facility.name
          ),
      buttons: [
        Dialog.cancelButton({ label: trans.__('Cancel') }),
        Dialog.warnButton({ label: trans.__('Delete') })
      ]
    });
    if (!answer.button.accept) {
      return;
    }
    await this._run(() =>
      this._service.remove(facility.name, entry.path, isDir)
    );
  }

  /** Run a file operation, show its error if any, then list again. */
  private async _run(operation: () => Promise<unknown>): Promise<void> {
    try {
      await operation();
    } catch (error) {
      this._showError(error);
      return;
    }
    await this.refresh();
  }

  private _showError(error: unknown): void {
    const trans = this._trans;
    const failure = error as HPCRequestError;
    const auth = failure instanceof HPCRequestError && failure.isFacilityAuth;
    // The panel's header says what to do about the login; once is enough.
    this._status.textContent = auth
      ? trans.__('Not logged in to this facility (see above).')
      : trans.__('Error: %1', failure?.message ?? String(error));
    this._status.classList.add('hpc-mod-error');
    if (auth) {
      this._authFailed.emit(failure.message);
    }
  }

  private _renderHeader(): void {
    const trans = this._trans;
    const columns: [SortKey, string][] = [
      ['name', trans.__('Name')],
      ['size', trans.__('Size')],
      ['modified', trans.__('Modified')]
    ];
    this._header.replaceChildren(
      ...columns.map(([key, label]) => {
        const active = key === this._sortKey;
        const arrow = active ? (this._ascending ? ' ▲' : ' ▼') : '';
        const cell = h(
          'button',
          {
            type: 'button',
            class: `hpc-RemoteFiles-sort hpc-RemoteFiles-col-${key}`,
            'data-sort': key,
            'aria-sort': active
              ? this._ascending
                ? 'ascending'
                : 'descending'
              : undefined,
            title: trans.__('Sort by %1', label)
          },
          label + arrow
        );
        cell.addEventListener('click', () => {
          if (this._sortKey === key) {
            this._ascending = !this._ascending;
          } else {
            this._sortKey = key;
            this._ascending = true;
          }
          this._renderHeader();
          this._render();
          this._stateChanged.emit();
        });
        return cell;
      })
    );
  }

  private _render(): void {
    const listing = this._listing;
    const facility = this._facility;
    if (!listing || !facility) {
      this._crumbs.replaceChildren();
      this._entries = [];
      this._renderRows(true);
      return;
    }
    this._crumbs.replaceChildren(
      ...breadcrumbs(listing.path, facility.name)
        .map((crumb, index, all) => {
          const link = h(
            'button',
            {
              type: 'button',
              class: 'hpc-RemoteFiles-crumb',
              'data-path': crumb.path,
              title: crumb.path
            },
            crumb.label
          );
          link.addEventListener('click', () => void this.navigate(crumb.path));
          return index < all.length - 1 && crumb.label !== '/'
            ? [link, h('span', { class: 'hpc-RemoteFiles-sep' }, '/')]
            : [link];
        })
        .flat()
    );
    this._entries = sortEntries(
      listing.entries,
      this._sortKey,
      this._ascending
    );
    this._list.dataset.count = String(this._entries.length);
    this._renderRows(true);
  }

  /** Render the rows on screen at the next frame (scroll and resize come in bursts). */
  private _scheduleRows(): void {
    if (this._frame) {
      return;
    }
    this._frame = requestAnimationFrame(() => {
      this._frame = 0;
      this._renderRows(false);
    });
  }

  /** Put the rows on screen in the DOM; unless `force`, only when the window moved. */
  private _renderRows(force: boolean): void {
    const entries = this._entries;
    const facility = this._facility;
    const list = this._list;
    if (!this._listing || !facility) {
      this._sizer.style.height = '0px';
      this._sizer.replaceChildren();
      this._window = { start: 0, end: 0 };
      return;
    }
    if (!entries.length) {
      this._sizer.style.height = 'auto';
      this._sizer.replaceChildren(
        h(
          'div',
          { class: 'hpc-RemoteFiles-empty' },
          this._trans.__('This folder is empty.')
        )
      );
      this._window = { start: 0, end: 0 };
      return;
    }
    const range = visibleRows(
      list.scrollTop,
      list.clientHeight,
      ROW_HEIGHT,
      entries.length
    );
    if (
      !force &&
      range.start === this._window.start &&
      range.end === this._window.end
    ) {
      return;
    }
    this._window = range;
    const hadFocus =
      list.contains(document.activeElement) && list !== document.activeElement;
    this._sizer.style.height = `${entries.length * ROW_HEIGHT}px`;
    const writable = this._canWrite();
    const rows: HTMLElement[] = [];
    for (let index = range.start; index < range.end; index++) {
      rows.push(this._row(facility, entries[index], index, writable));
    }
    this._sizer.replaceChildren(...rows);
    if (hadFocus) {
      this._focusSelected();
    }
  }

  private _row(
    facility: HPC.IFacility,
    entry: HPC.IFileEntry,
    index: number,
    writable: boolean
  ): HTMLElement {
    const trans = this._trans;
    const isDir = entry.type === 'directory';
    const icon = (isDir ? folderIcon : fileIcon).element({
      tag: 'span',
      className: 'hpc-RemoteFiles-icon'
    });
    const modified = new Date(entry.modified * 1000);
    const row = h(
      'div',
      {
        class:
          'hpc-RemoteFiles-item' +
          (entry.path === this._selected ? ' jp-mod-selected' : ''),
        role: 'listitem',
        style: `top: ${index * ROW_HEIGHT}px; height: ${ROW_HEIGHT}px`,
        'data-index': String(index),
        'data-name': entry.name,
        'data-path': entry.path,
        'data-type': entry.type,
        tabindex: '-1',
        title: isDir
          ? trans.__('Open folder %1', entry.name)
          : trans.__('Open %1 (read-only)', entry.name)
      },
      icon,
      h('span', { class: 'hpc-RemoteFiles-name' }, entry.name),
      h(
        'span',
        { class: 'hpc-RemoteFiles-size' },
        isDir ? '' : formatSize(entry.size)
      ),
      h(
        'span',
        {
          class: 'hpc-RemoteFiles-modified',
          title: modified.toLocaleString()
        },
        modified.toLocaleDateString()
      ),
      h(
        'span',
        { class: 'hpc-RemoteFiles-actions' },
        entry.type === 'file' &&
          iconButton(
            downloadIcon.element({ tag: 'span' }),
            trans.__("Copy %1 to Lab's current folder", entry.name),
            'hpc-RemoteFiles-download',
            () => this._download(facility.name, entry)
          ),
        writable &&
          iconButton(
            editIcon.element({ tag: 'span' }),
            trans.__('Rename %1', entry.name),
            'hpc-RemoteFiles-rename',
            () => void this._rename(entry)
          ),
        writable &&
          iconButton(
            deleteIcon.element({ tag: 'span' }),
            trans.__('Delete %1', entry.name),
            'hpc-RemoteFiles-delete',
            () => void this._delete(entry)
          )
      )
    );
    row.addEventListener('dblclick', () => this._open(entry));
    row.addEventListener('click', () => this._select(index));
    return row;
  }

  private _open(entry: HPC.IFileEntry): void {
    const facility = this._facility;
    if (!facility) {
      return;
    }
    if (entry.type === 'directory') {
      void this.navigate(entry.path);
    } else {
      this._openFile(facility.name, entry.path);
    }
  }

  /** Select the entry at `index`, scrolled into view. */
  private _select(index: number): void {
    const entry = this._entries[index];
    if (!entry) {
      return;
    }
    this._selected = entry.path;
    const list = this._list;
    list.scrollTop = scrollToRow(
      index,
      list.scrollTop,
      list.clientHeight,
      ROW_HEIGHT
    );
    // Rows are re-made only when the window moved: a click's row must survive for the
    // double click that may follow.
    this._renderRows(false);
    this._sizer
      .querySelectorAll<HTMLElement>('.hpc-RemoteFiles-item')
      .forEach(node =>
        node.classList.toggle(
          'jp-mod-selected',
          node.dataset.path === entry.path
        )
      );
    this._focusSelected();
  }

  private _focusSelected(): void {
    const row = Array.from(
      this._sizer.querySelectorAll<HTMLElement>('.hpc-RemoteFiles-item')
    ).find(node => node.dataset.path === this._selected);
    row?.focus({ preventScroll: true });
  }

  /** Up, down, Home, End move the selection; Enter opens it. */
  private _onKey(event: KeyboardEvent): void {
    const count = this._entries.length;
    if (!count) {
      return;
    }
    const current = this._entries.findIndex(e => e.path === this._selected);
    let next: number | null = null;
    switch (event.key) {
      case 'ArrowDown':
        next = Math.min(count - 1, current + 1);
        break;
      case 'ArrowUp':
        next = Math.max(0, current - 1);
        break;
      case 'Home':
        next = 0;
        break;
      case 'End':
        next = count - 1;
        break;
      case 'Enter':
        if (current >= 0) {
          event.preventDefault();
          this._open(this._entries[current]);
        }
        return;
      default:
        return;
    }
    event.preventDefault();
    this._select(next);
  }

  private _service: HPCService;
  private _trans: TranslationBundle;
  private _openFile: (facility: string, path: string) => void;
  private _readLabFiles: ReadLabFiles | null;
  private _authFailed = new Signal<this, string>(this);
  private _download: (facility: string, entry: HPC.IFileEntry) => void;
  private _facility: HPC.IFacility | null = null;
  private _listing: HPC.IListing | null = null;
  private _paths: Record<string, string> = {};
  private _navigations = 0;
  private _sortKey: SortKey = 'name';
  private _ascending = true;
  private _stateChanged = new Signal<this, void>(this);
  private _toolbar: HTMLDivElement;
  private _crumbs: HTMLDivElement;
  private _status: HTMLDivElement;
  private _header: HTMLDivElement;
  private _list: HTMLDivElement;
  private _sizer: HTMLDivElement;
  private _entries: HPC.IFileEntry[] = [];
  private _selected: string | null = null;
  private _window = { start: 0, end: 0 };
  private _frame = 0;
  private _resizeObserver: ResizeObserver | null = null;
  private _progress: HTMLDivElement;
  private _upload: HTMLInputElement;
}
