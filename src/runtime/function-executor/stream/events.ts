// What the stream-mode executor tells its owner about its processes (the instance logs these).

export type StreamProcessEvent =
  | { readonly kind: 'started'; readonly slot: number; readonly pid: number | undefined }
  | {
      readonly kind: 'exited';
      readonly slot: number;
      readonly pid: number | undefined;
      readonly exitCode: number | undefined;
      readonly signal: string | undefined;
      /** Why the runtime ended it (timeout, broken framing, …); undefined when the script exited by itself. */
      readonly reason: string | undefined;
      /** Messages it answered in its life. */
      readonly answered: number;
      /** Messages in flight when it ended: failed (the one it was answering) or sent to the next process. */
      readonly inFlight: number;
      /** When the next process starts; undefined while the executor is closing. */
      readonly restartInMs: number | undefined;
      readonly stderrTail: string;
    }
  /** A process's TMPDIR could not be removed (e.g. the script made a directory there unremovable). */
  | { readonly kind: 'tmp-left'; readonly slot: number; readonly dir: string; readonly error: string };
