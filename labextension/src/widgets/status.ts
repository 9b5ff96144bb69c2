/**
 * FacilityStatusView: what a facility with `status` says about itself, in a main area tab:
 * its systems' health, notices on now or ahead (times in the user's locale), partitions with
 * their limits and the user's allocations. A part the facility did not report says so (or
 * why asking failed), never an empty table passed off as none.
 */
import type { TranslationBundle } from '@jupyterlab/translation';
import { refreshIcon } from '@jupyterlab/ui-components';
import { Widget } from '@lumino/widgets';

import {
  formatAmount,
  localTime,
  noticeWindow,
  partState,
  sourcesText
} from '../foresight';
import { formatDuration } from '../jobs';
import type { HPCService } from '../service';
import type { HPC } from '../tokens';
import { h, iconButton } from './dom';

export namespace FacilityStatusView {
  export interface IOptions {
    service: HPCService;
    trans: TranslationBundle;
    facility: string;
  }
}

type Cell = string | HTMLElement;

export class FacilityStatusView extends Widget {
  constructor(options: FacilityStatusView.IOptions) {
    super();
    this.addClass('hpc-StatusView');
    this._service = options.service;
    this._trans = options.trans;
    this.facility = options.facility;
    const trans = this._trans;
    this._state = h('div', { class: 'hpc-StatusView-state', role: 'status' });
    this._body = h('div', { class: 'hpc-StatusView-body' });
    this.node.append(
      h(
        'div',
        { class: 'hpc-Toolbar' },
        h(
          'span',
          { class: 'hpc-SectionTitle' },
          trans.__('Status of %1', this.facility)
        ),
        iconButton(
          refreshIcon.element({ tag: 'span' }),
          trans.__('Ask the facility again'),
          'hpc-StatusView-refresh',
          () => void this.load(true)
        )
      ),
      this._state,
      this._body
    );
    void this.load(false);
  }

  /** The facility shown. */
  readonly facility: string;

  /** Ask for the status (the server's kept answer, or the facility again with `refresh`). */
  async load(refresh: boolean): Promise<void> {
    const trans = this._trans;
    const request = ++this._request;
    this._state.textContent = trans.__('Loading…');
    this._state.classList.remove('hpc-mod-error');
    let status: HPC.IFacilityStatus;
    try {
      status = await this._service.status(this.facility, undefined, refresh);
    } catch (error) {
      if (request === this._request) {
        this._state.textContent = trans.__(
          'Could not ask for the status: %1',
          (error as Error).message
        );
        this._state.classList.add('hpc-mod-error');
      }
      return;
    }
    if (request !== this._request) {
      return;
    }
    this._state.textContent = trans.__(
      'System %1, as of %2',
      status.system,
      new Date().toLocaleString()
    );
    this._show(status);
  }

  private _show(status: HPC.IFacilityStatus): void {
    const trans = this._trans;
    const duration = (value: number | null) =>
      value === null ? '—' : formatDuration(value);
    const amount = (value: number | null, unit: string | null) =>
      value === null ? '—' : formatAmount(value, unit, trans);
    this._body.replaceChildren(
      this._section(
        status,
        'systems',
        trans.__('Systems'),
        trans.__('No systems.'),
        [trans.__('System'), trans.__('Health'), trans.__('Message')],
        (status.systems ?? []).map(system => [
          system.name,
          h(
            'span',
            { class: `hpc-Health hpc-Health-${system.health}` },
            system.health
          ),
          system.message ?? ''
        ])
      ),
      this._section(
        status,
        'notices',
        trans.__('Incidents and maintenance'),
        trans.__('No incident or maintenance on now or ahead.'),
        [
          trans.__('Kind'),
          trans.__('What'),
          trans.__('When'),
          trans.__('Systems'),
          trans.__('Status')
        ],
        (status.notices ?? []).map(notice => [
          h(
            'span',
            { class: `hpc-Notice hpc-Notice-${notice.kind}` },
            notice.kind
          ),
          notice.title,
          noticeWindow(notice, trans) || '—',
          notice.systems.join(', '),
          notice.status ?? ''
        ])
      ),
      this._section(
        status,
        'partitions',
        trans.__('Partitions'),
        trans.__('No partitions.'),
        [
          trans.__('Partition'),
          trans.__('State'),
          trans.__('Max time'),
          trans.__('Nodes')
        ],
        (status.partitions ?? []).map(partition => [
          partition.default
            ? trans.__('%1 (default)', partition.name)
            : partition.name,
          partition.state,
          duration(partition.max_time),
          partition.nodes === null ? '—' : String(partition.nodes)
        ])
      ),
      this._section(
        status,
        'allocations',
        trans.__('Allocations'),
        trans.__('No accounts.'),
        [
          trans.__('Account'),
          trans.__('Left'),
          trans.__('Used'),
          trans.__('Allocated'),
          trans.__('Scope')
        ],
        (status.allocations ?? []).map(allocation => [
          allocation.default
            ? trans.__('%1 (default)', allocation.account)
            : allocation.account,
          amount(allocation.remaining, allocation.unit),
          amount(allocation.used, allocation.unit),
          amount(allocation.allocated, allocation.unit),
          allocation.note
            ? `${allocation.scope} (${allocation.note})`
            : allocation.scope
        ])
      )
    );
  }

  /** A part: its table, 'none' when the facility said none, or why it is missing. */
  private _section(
    status: HPC.IFacilityStatus,
    part: HPC.StatusPart,
    title: string,
    none: string,
    head: string[],
    rows: Cell[][]
  ): HTMLElement {
    const state = partState(status, part, this._trans);
    const section = h(
      'section',
      { class: 'hpc-StatusView-part', 'data-part': part },
      h('h3', {}, title)
    );
    if (state.kind === 'missing') {
      section.dataset.state = state.failed ? 'failed' : 'not-reported';
      section.append(
        h(
          'p',
          {
            class: `hpc-StatusView-missing${state.failed ? ' hpc-mod-error' : ''}`
          },
          state.text
        )
      );
      return section;
    }
    section.dataset.state = rows.length ? 'reported' : 'none';
    if (!rows.length) {
      section.append(h('p', { class: 'hpc-StatusView-none' }, none));
    } else {
      section.append(
        h(
          'table',
          { class: 'hpc-StatusView-table' },
          h('thead', {}, h('tr', {}, ...head.map(cell => h('th', {}, cell)))),
          h(
            'tbody',
            {},
            ...rows.map(row =>
              h('tr', {}, ...row.map(cell => h('td', {}, cell)))
            )
          )
        )
      );
    }
    const sources = sourcesText(status, part, localTime);
    if (sources) {
      section.append(
        h(
          'p',
          { class: 'hpc-StatusView-source' },
          this._trans.__('From %1', sources)
        )
      );
    }
    return section;
  }

  private _service: HPCService;
  private _trans: TranslationBundle;
  private _state: HTMLDivElement;
  private _body: HTMLDivElement;
  private _request = 0;
}
