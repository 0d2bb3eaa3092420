// Follows the Docker Engine's build output: echoes it to the terminal as it comes, remembers the current step and
// its output, and turns the engine's final error into an ImageBuildError that shows the failing step.
//
// The engine answers POST /build with JSON lines (classic builder):
//   {"stream": "Step 3/17 : RUN groupadd …\n"}    text: step headers, " ---> …" builder notes, RUN output
//   {"status": "Downloading", "id": "…", "progressDetail": {"current": …, "total": …}}    pulling the base image
//   {"aux": {"ID": "sha256:…"}}                   the built image
//   {"error": "The command … returned a non-zero code: 1", "errorDetail": {"code": 1, "message": …}}

/** One line of the engine's build output. */
export interface BuildEvent {
  readonly stream?: string;
  readonly status?: string;
  readonly id?: string;
  readonly progressDetail?: { readonly current?: number; readonly total?: number };
  readonly aux?: { readonly ID?: string };
  readonly error?: string;
  readonly errorDetail?: { readonly message?: string; readonly code?: number };
}

/** The build failed; `step` and `stepOutput` say where and what it printed. */
export class ImageBuildError extends Error {
  /** `Step 3/17 : RUN …`, or undefined when the build failed before its first step (the context, the base). */
  readonly step: string | undefined;
  /** What the failing step printed, builder notes left out. */
  readonly stepOutput: string;
  /** The engine's own message. */
  readonly engineMessage: string;

  constructor(
    step: string | undefined,
    stepOutput: string,
    engineMessage: string,
    options?: { cause?: unknown },
  ) {
    const where = step === undefined ? 'image build failed' : `image build failed at ${step}`;
    const output = stepOutput === '' ? '' : `\n${stepOutput.replace(/^/gm, '  | ')}`;
    super(`${where}${output}\n${engineMessage}`, options);
    this.name = 'ImageBuildError';
    this.step = step;
    this.stepOutput = stepOutput;
    this.engineMessage = engineMessage;
  }
}

const STEP_HEADER = /^Step \d+\/\d+ : /;
const BUILDER_NOTE = /^ ---> /;
const BUILT = /^Successfully built ([0-9a-f]+)$/;
/** Lines kept per step for the error: the end is what explains a failure. */
const MAX_STEP_LINES = 200;

export class BuildProgress {
  readonly #write: (text: string) => void;
  #step: string | undefined;
  #stepLines: string[] = [];
  #partial = '';
  #imageId: string | undefined;
  #error: ImageBuildError | undefined;

  /** `write` receives the output for the terminal, as it comes. */
  constructor(write: (text: string) => void) {
    this.#write = write;
  }

  handle(event: BuildEvent): void {
    if (event.stream !== undefined) {
      this.#write(event.stream);
      this.#text(event.stream);
    }
    // Pull progress ticks would flood a terminal that is not a TTY; each layer's state changes are enough.
    if (event.status !== undefined && event.progressDetail?.current === undefined) {
      this.#write(`${event.id === undefined ? '' : `${event.id}: `}${event.status}\n`);
    }
    if (event.aux?.ID !== undefined) this.#imageId = event.aux.ID;
    if (event.error !== undefined || event.errorDetail !== undefined) {
      const message = event.errorDetail?.message ?? event.error ?? 'unknown error';
      this.#write(`${message}\n`);
      this.#flushPartial();
      this.#error ??= new ImageBuildError(this.#step, this.#stepLines.join('\n'), message);
    }
  }

  /** The built image's id; throws the build's error, or a plain one when the engine said neither. */
  result(): string {
    this.#flushPartial();
    if (this.#error !== undefined) throw this.#error;
    if (this.#imageId === undefined) {
      throw new ImageBuildError(
        this.#step,
        this.#stepLines.join('\n'),
        'the engine ended the build without an image id',
      );
    }
    return this.#imageId;
  }

  #text(text: string): void {
    const lines = `${this.#partial}${text}`.split('\n');
    this.#partial = lines.pop() ?? '';
    for (const line of lines) this.#line(line.replace(/\r$/, ''));
  }

  #flushPartial(): void {
    if (this.#partial === '') return;
    this.#line(this.#partial);
    this.#partial = '';
  }

  #line(line: string): void {
    if (STEP_HEADER.test(line)) {
      this.#step = line;
      this.#stepLines = [];
      return;
    }
    const built = BUILT.exec(line);
    if (built !== null) this.#imageId ??= built[1];
    if (BUILDER_NOTE.test(line) || built !== null || line.startsWith('Successfully tagged ')) return;
    this.#stepLines.push(line);
    if (this.#stepLines.length > MAX_STEP_LINES) this.#stepLines.shift();
  }
}
