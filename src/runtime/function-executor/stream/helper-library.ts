// Where stream mode's bash helper library lives: pf-stream.sh sources pf-function.sh (the routing helpers) and
// adds reading messages and writing replies. Both ship under scripts/lib/; the path holds from src/ and dist/.
import { fileURLToPath } from 'node:url';

export const STREAM_HELPER_LIBRARY_PATH: string = fileURLToPath(
  new URL('../../../../scripts/lib/pf-stream.sh', import.meta.url),
);
