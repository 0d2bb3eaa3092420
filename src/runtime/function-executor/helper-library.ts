// The bash files the runtime ships under scripts/lib/ (package.json "files"): the helper libraries scripts source
// (PF_LIB) and exec mode's launcher. The same relative path holds from src/ and from dist/.
import { fileURLToPath } from 'node:url';

const SCRIPTS_LIB = new URL('../../../scripts/lib/', import.meta.url);

function shipped(name: string): string {
  return fileURLToPath(new URL(name, SCRIPTS_LIB));
}

/** Routing, extra messages and logging for scripts: exec mode's PF_LIB. */
export const HELPER_LIBRARY_PATH: string = shipped('pf-function.sh');
/** Stream mode's PF_LIB: sources pf-function.sh and adds reading messages and writing replies. */
export const STREAM_HELPER_LIBRARY_PATH: string = shipped('pf-stream.sh');
/** Exec mode's launcher (launcher.ts); internal, not for scripts. */
export const LAUNCHER_SCRIPT_PATH: string = shipped('pf-launcher.sh');
