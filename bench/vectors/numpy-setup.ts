import { findNumpyPython } from '../../test/helpers/python.js';
import { aptInstall } from '../common/apt.js';

/** python3 with numpy for the numpy peer; Debian's python3-numpy is installed when missing. */
export function ensureNumpyPython(log: (message: string) => void): string {
  const found = findNumpyPython();
  if (found) return found;
  aptInstall(['python3-numpy'], log);
  const installed = findNumpyPython();
  if (!installed) throw new Error('apt-get installed python3-numpy but no python3 can import numpy');
  return installed;
}
