/**
 * The body of the "Submit to HPC facility…" dialog: facility, name, partition/queue,
 * account, nodes, time limit and work directory, pre-filled from the script's directives.
 *
 * For a facility with `status`, the account is a choice of its allocations with what is
 * left of each (free text still possible), and as the request changes the dialog shows
 * what it would cost and the facility's warnings; the user can still submit.
 */
import type { TranslationBundle } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';

import { IJobFields } from '../directives';
import {
  accountChoices,
  accountLabel,
  estimateText,
  IAccountChoice,
  leftText
} from '../foresight';
import { formatDuration } from '../jobs';
import {
  initialPartition,
  IPartitionChoice,
  partitionChoices
} from '../partitions';
import type { HPC } from '../tokens';
import { h } from './dom';

/** The choice that shows the free text field for a partition the list does not have. */
const OTHER = '\u0000other';

/** How long the request must stay unchanged before it is checked, in ms. */
export const CHECK_DELAY = 400;

export namespace SubmitForm {
  export interface IOptions {
    trans: TranslationBundle;
    /** The facilities that can take a job. */
    facilities: HPC.IFacility[];
    /** The facility chosen first. */
    facility: string | null;
    /** The values read from the script. */
    fields: IJobFields;
    /** The script, shown for editing (a resubmission's); absent: the file's, not shown. */
    script?: string;
    /** The work directory to offer for a facility when the script names none. */
    workdirFor: (facility: HPC.IFacility) => string;
    /**
     * The partitions of a facility, or null when it cannot list them (the form then
     * offers a text field).
     */
    partitionsFor?: (
      facility: HPC.IFacility
    ) => Promise<HPC.IPartition[]> | null;
    /**
     * The status of a facility with `status` (its allocations become the account
     * choices), or null for a facility without.
     */
    statusFor?: (
      facility: HPC.IFacility
    ) => Promise<HPC.IFacilityStatus> | null;
    /**
     * Check the request the fields make (cost and warnings), or null for a facility
     * without `status`. A rejection's message is shown as "could not check".
     */
    checkFor?: (
      facility: HPC.IFacility,
      fields: IJobFields
    ) => Promise<HPC.ISubmitCheck> | null;
  }

  export interface IValue {
    facility: string;
    fields: IJobFields;
    /** The edited script, when the form showed one. */
    script?: string;
  }
}

export class SubmitForm extends Widget {
  constructor(options: SubmitForm.IOptions) {
    super();
    this.addClass('hpc-SubmitForm');
    const trans = options.trans;
    this._trans = trans;
    this._facilities = options.facilities;
    this._partitionsFor = options.partitionsFor ?? (() => null);
    this._statusFor = options.statusFor ?? (() => null);
    this._checkFor = options.checkFor ?? (() => null);
    this._scriptPartition = options.fields.partition;
    this._scriptAccount = options.fields.account;
    this._workdirFor = options.workdirFor;
    this._picker = h('select', { name: 'facility', class: 'jp-mod-styled' });
    this._picker.append(
      ...options.facilities.map(facility =>
        h(
          'option',
          { value: facility.name },
          `${facility.name} (${facility.kind})`
        )
      )
    );
    if (options.facility) {
      this._picker.value = options.facility;
    }
    const input = (name: keyof IJobFields, placeholder: string) => {
      const element = h('input', {
        name,
        class: 'jp-mod-styled',
        placeholder,
        value: options.fields[name]
      });
      element.value = options.fields[name];
      this._inputs[name] = element;
      return element;
    };
    const row = (label: string, control: HTMLElement) =>
      h(
        'label',
        { class: 'hpc-SubmitForm-row' },
        h('span', {}, label),
        control
      );
    this._scriptWorkdir = options.fields.workdir;
    if (options.script !== undefined) {
      this._script = h('textarea', {
        name: 'script',
        class: 'hpc-SubmitForm-script jp-mod-styled',
        rows: '8',
        spellcheck: 'false',
        'aria-label': trans.__('Batch script')
      });
      this._script.value = options.script;
    }
    this.node.append(
      ...(this._script ? [this._script] : []),
      row(trans.__('Facility'), this._picker),
      row(trans.__('Job name'), input('name', trans.__('from the script'))),
      row(
        trans.__('Partition / queue'),
        h(
          'span',
          { class: 'hpc-SubmitForm-partition' },
          this._partitionChoice,
          input('partition', trans.__('default'))
        )
      ),
      row(
        trans.__('Account'),
        h(
          'span',
          { class: 'hpc-SubmitForm-account' },
          this._accountChoice,
          input('account', trans.__('default'))
        )
      ),
      row(trans.__('Nodes'), input('nodes', trans.__('default'))),
      row(
        trans.__('Time limit'),
        input('time', trans.__('e.g. 30, 1:00:00 or 1-12:00'))
      ),
      row(
        trans.__('Work directory'),
        input('workdir', trans.__("the facility's home"))
      ),
      this._check
    );
    this._inputs.partition!.addEventListener('input', () => {
      this._partitionTyped = true;
    });
    this._inputs.workdir!.addEventListener('input', () => {
      this._workdirEdited = true;
    });
    this._inputs.account!.addEventListener('input', () => {
      this._accountTyped = true;
    });
    this._picker.addEventListener('change', () => {
      this._offerWorkdir();
      void this._loadPartitions();
      void this._loadStatus();
    });
    this._accountChoice.addEventListener('change', () => {
      const other = this._accountChoice.value === OTHER;
      const text = this._inputs.account!;
      text.hidden = !other;
      if (other) {
        text.focus();
      } else {
        text.value = this._accountChoice.value;
      }
    });
    // Any change to the request (typed, or chosen) is checked once it settles.
    this.node.addEventListener('input', () => this._scheduleCheck());
    this.node.addEventListener('change', () => this._scheduleCheck());
    this._partitionChoice.addEventListener('change', () => {
      const other = this._partitionChoice.value === OTHER;
      const text = this._inputs.partition!;
      text.hidden = !other;
      if (other) {
        text.focus();
      } else {
        text.value = this._partitionChoice.value;
      }
    });
    this._offerWorkdir();
    void this._loadPartitions();
    void this._loadStatus();
  }

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    window.clearTimeout(this._checkTimer);
    this._checkRequest++; // an answer still on its way is dropped
    super.dispose();
  }

  getValue(): SubmitForm.IValue {
    const fields = {} as IJobFields;
    for (const [name, element] of Object.entries(this._inputs)) {
      fields[name as keyof IJobFields] = element!.value;
    }
    return this._script
      ? { facility: this._picker.value, fields, script: this._script.value }
      : { facility: this._picker.value, fields };
  }

  /** Unless the script or the user chose one, offer the facility's work directory. */
  private _offerWorkdir(): void {
    if (this._workdirEdited || this._scriptWorkdir) {
      return;
    }
    const facility = this._facilities.find(f => f.name === this._picker.value);
    this._inputs.workdir!.value = facility ? this._workdirFor(facility) : '';
  }

  /**
   * Offer the chosen facility's partitions as a choice list (default first, "Other…" for
   * free text); keep the text field when the facility cannot list them or fails to.
   */
  private _loadPartitions(): Promise<void> {
    const request = ++this._partitionRequest;
    if (!this._partitionTyped) {
      // A choice made for the other facility means nothing here.
      this._inputs.partition!.value = this._scriptPartition;
    }
    this._showPartitions(null);
    const facility = this._facilities.find(f => f.name === this._picker.value);
    const pending = facility ? this._partitionsFor(facility) : null;
    return (pending ?? Promise.resolve(null)).then(
      partitions => {
        if (request === this._partitionRequest && partitions) {
          this._showPartitions(
            partitionChoices(partitions, this._scriptPartition)
          );
        }
      },
      () => undefined // the text field stays
    );
  }

  private _showPartitions(choices: IPartitionChoice[] | null): void {
    const text = this._inputs.partition!;
    const select = this._partitionChoice;
    if (!choices || !choices.length) {
      select.hidden = true;
      select.replaceChildren();
      text.hidden = false;
      return;
    }
    const trans = this._trans;
    const label = (choice: IPartitionChoice) => {
      const notes: string[] = [];
      if (choice.isDefault) {
        notes.push(trans.__('default'));
      }
      if (choice.fromScript) {
        notes.push(trans.__('from the script'));
      }
      if (choice.state) {
        notes.push(choice.state);
      }
      if (choice.maxTime !== null) {
        notes.push(trans.__('max %1', formatDuration(choice.maxTime)));
      }
      return notes.length
        ? `${choice.name} (${notes.join(', ')})`
        : choice.name;
    };
    const options = choices.map(choice =>
      h('option', { value: choice.name }, label(choice))
    );
    if (!choices.some(choice => choice.isDefault)) {
      options.unshift(
        h('option', { value: '' }, trans.__("facility's default"))
      );
    }
    options.push(h('option', { value: OTHER }, trans.__('Other…')));
    select.replaceChildren(...options);
    const wanted = text.value.trim() || initialPartition(choices);
    const listed = choices.some(choice => choice.name === wanted) || !wanted;
    select.value = listed ? wanted : OTHER;
    text.value = wanted;
    select.hidden = false;
    text.hidden = listed;
  }

  /**
   * For a facility with `status`: its allocations as the account choices (what is left of
   * each), then a first check of the request. Without: the text field, no check.
   */
  private _loadStatus(): Promise<void> {
    const request = ++this._statusRequest;
    if (!this._accountTyped) {
      this._inputs.account!.value = this._scriptAccount;
    }
    this._showAccounts(null, null);
    const facility = this._chosen();
    const pending = facility ? this._statusFor(facility) : null;
    this._check.hidden = !pending;
    this._check.replaceChildren();
    this._scheduleCheck(0);
    if (!pending) {
      return Promise.resolve();
    }
    return pending.then(
      status => {
        if (request === this._statusRequest && status.allocations) {
          this._showAccounts(
            accountChoices(status.allocations),
            status.allocations
          );
        }
      },
      () => undefined // the text field stays; the check says what fails
    );
  }

  private _showAccounts(
    choices: IAccountChoice[] | null,
    allocations: HPC.IAllocation[] | null
  ): void {
    const text = this._inputs.account!;
    const select = this._accountChoice;
    if (!choices || !choices.length || !allocations) {
      select.hidden = true;
      select.replaceChildren();
      text.hidden = false;
      return;
    }
    const trans = this._trans;
    const preset = choices.find(choice => choice.isDefault);
    const presetLeft = preset ? leftText(preset.allocation, trans) : null;
    const options = [
      h(
        'option',
        { value: '' },
        preset
          ? presetLeft
            ? trans.__(
                "facility's default (%1 — %2)",
                preset.account,
                presetLeft
              )
            : trans.__("facility's default (%1)", preset.account)
          : trans.__("facility's default")
      ),
      ...choices.map(choice =>
        h('option', { value: choice.account }, accountLabel(choice, trans))
      ),
      h('option', { value: OTHER }, trans.__('Other…'))
    ];
    select.replaceChildren(...options);
    const wanted = text.value.trim();
    const listed = !wanted || choices.some(choice => choice.account === wanted);
    select.value = listed ? wanted : OTHER;
    select.hidden = false;
    text.hidden = listed;
  }

  /** Check the request once it has not changed for `delay` ms. */
  private _scheduleCheck(delay = CHECK_DELAY): void {
    window.clearTimeout(this._checkTimer);
    this._checkTimer = window.setTimeout(() => void this._runCheck(), delay);
  }

  private async _runCheck(): Promise<void> {
    const request = ++this._checkRequest;
    const facility = this._chosen();
    const { fields } = this.getValue();
    let pending: Promise<HPC.ISubmitCheck> | null;
    try {
      pending = facility ? this._checkFor(facility, fields) : null;
    } catch (error) {
      pending = Promise.reject(error);
    }
    if (!pending) {
      this._check.hidden = true;
      this._check.replaceChildren();
      return;
    }
    this._check.hidden = false;
    this._check.dataset.state = 'checking';
    let check: HPC.ISubmitCheck;
    try {
      check = await pending;
    } catch (error) {
      if (request === this._checkRequest) {
        // Nothing misleading: no estimate, no warnings, only why; submitting stays open.
        this._check.dataset.state = 'failed';
        this._check.replaceChildren(
          h(
            'div',
            { class: 'hpc-SubmitCheck-error' },
            this._trans.__('Could not check: %1', (error as Error).message)
          )
        );
      }
      return;
    }
    if (request !== this._checkRequest) {
      return; // the request changed meanwhile: a newer check is on its way
    }
    this._showCheck(check);
  }

  private _showCheck(check: HPC.ISubmitCheck): void {
    const trans = this._trans;
    this._check.dataset.state = 'checked';
    this._check.replaceChildren(
      h(
        'div',
        { class: 'hpc-SubmitCheck-estimate' },
        estimateText(check, trans)
      )
    );
    if (check.warnings.length) {
      this._check.append(
        h(
          'ul',
          {
            class: 'hpc-SubmitCheck-warnings',
            'aria-label': trans.__('Warnings')
          },
          ...check.warnings.map(warning =>
            h(
              'li',
              {
                class: 'hpc-SubmitCheck-warning',
                'data-code': warning.code
              },
              warning.message
            )
          )
        )
      );
    }
  }

  private _chosen(): HPC.IFacility | undefined {
    return this._facilities.find(f => f.name === this._picker.value);
  }

  private _trans: SubmitForm.IOptions['trans'];
  private _script: HTMLTextAreaElement | null = null;
  private _statusFor: (
    facility: HPC.IFacility
  ) => Promise<HPC.IFacilityStatus> | null;
  private _checkFor: (
    facility: HPC.IFacility,
    fields: IJobFields
  ) => Promise<HPC.ISubmitCheck> | null;
  private _scriptAccount: string;
  private _accountChoice = h('select', {
    name: 'account-choice',
    class: 'jp-mod-styled',
    hidden: ''
  });
  private _accountTyped = false;
  private _statusRequest = 0;
  private _check = h('div', {
    class: 'hpc-SubmitCheck',
    role: 'status',
    'aria-live': 'polite',
    hidden: ''
  });
  private _checkTimer = 0;
  private _checkRequest = 0;
  private _partitionsFor: (
    facility: HPC.IFacility
  ) => Promise<HPC.IPartition[]> | null;
  private _scriptPartition: string;
  private _partitionChoice = h('select', {
    name: 'partition-choice',
    class: 'jp-mod-styled',
    hidden: ''
  });
  private _partitionRequest = 0;
  private _partitionTyped = false;
  private _facilities: HPC.IFacility[];
  private _workdirFor: (facility: HPC.IFacility) => string;
  private _picker: HTMLSelectElement;
  private _inputs: Partial<Record<keyof IJobFields, HTMLInputElement>> = {};
  private _scriptWorkdir: string;
  private _workdirEdited = false;
}
