// Where the bash helper library (routing, extra messages, logging) lives. It ships in the npm package under
// scripts/lib/ (package.json "files"); the same relative path holds from src/ and from dist/.
import { fileURLToPath } from 'node:url';

export const HELPER_LIBRARY_PATH: string = fileURLToPath(
  new URL('../../../scripts/lib/pf-function.sh', import.meta.url),
);
