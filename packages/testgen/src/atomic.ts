// Atomic writes (temp file in the same folder, then rename) are @pinlab/tla's writeFileAtomic
// (docs/CONTRACTS.md); testgen's modules import it from here.
export { writeFileAtomic } from '@pinlab/tla';
