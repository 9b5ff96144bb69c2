/**
 * The body of the "Submit to HPC facility…" dialog: facility, name, partition/queue,
 * account, nodes, time limit and work directory, pre-filled from the script's directives.
 */
import type { TranslationBundle } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';

import { IJobFields } from '../directives';
import type { HPC } from '../tokens';
import { h } from './dom';

export namespace SubmitForm {
  export interface IOptions {
    trans: TranslationBundle;
    /** The facilities that can take a job. */
    facilities: HPC.IFacility[];
    /** The facility chosen first. */
    facility: string | null;
    /** The values read from the script. */
    fields: IJobFields;
    /** The work directory to offer for a facility when the script names none. */
    workdirFor: (facility: HPC.IFacility) => string;
  }

  export interface IValue {
    facility: string;
    fields: IJobFields;
  }
}

export class SubmitForm extends Widget {
  constructor(options: SubmitForm.IOptions) {
    super();
    this.addClass('hpc-SubmitForm');
    const trans = options.trans;
    this._facilities = options.facilities;
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
    this.node.append(
      row(trans.__('Facility'), this._picker),
      row(trans.__('Job name'), input('name', trans.__('from the script'))),
      row(
        trans.__('Partition / queue'),
        input('partition', trans.__('default'))
      ),
      row(trans.__('Account'), input('account', trans.__('default'))),
      row(trans.__('Nodes'), input('nodes', trans.__('default'))),
      row(
        trans.__('Time limit'),
        input('time', trans.__('e.g. 30, 1:00:00 or 1-12:00'))
      ),
      row(
        trans.__('Work directory'),
        input('workdir', trans.__("the facility's home"))
      )
    );
    this._inputs.workdir!.addEventListener('input', () => {
      this._workdirEdited = true;
    });
    this._picker.addEventListener('change', () => this._offerWorkdir());
    this._offerWorkdir();
  }

  getValue(): SubmitForm.IValue {
    const fields = {} as IJobFields;
    for (const [name, element] of Object.entries(this._inputs)) {
      fields[name as keyof IJobFields] = element!.value;
    }
    return { facility: this._picker.value, fields };
  }

  /** Unless the script or the user chose one, offer the facility's work directory. */
  private _offerWorkdir(): void {
    if (this._workdirEdited || this._scriptWorkdir) {
      return;
    }
    const facility = this._facilities.find(f => f.name === this._picker.value);
    this._inputs.workdir!.value = facility ? this._workdirFor(facility) : '';
  }

  private _facilities: HPC.IFacility[];
  private _workdirFor: (facility: HPC.IFacility) => string;
  private _picker: HTMLSelectElement;
  private _inputs: Partial<Record<keyof IJobFields, HTMLInputElement>> = {};
  private _scriptWorkdir: string;
  private _workdirEdited = false;
}
