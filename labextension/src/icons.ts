/** The panel's icon: a rack of nodes. */
import { LabIcon } from '@jupyterlab/ui-components';

import hpcSvg from '../style/hpc.svg';

export const hpcIcon = new LabIcon({ name: 'hpc-jupyter:hpc', svgstr: hpcSvg });
