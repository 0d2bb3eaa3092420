// The instance's life as probes see it. Liveness is not readiness (of-watchdog): the instance is alive while
// its event loop answers and nothing fatal happened; it is ready only while running, subscribed and (stream
// mode) with a script process up, so a draining instance says 503 to /readyz and still 200 to /healthz.
import { hostname } from 'node:os';

export const InstancePhase = {
  Starting: 'starting',
  Running: 'running',
  Draining: 'draining',
  Stopped: 'stopped',
  Failed: 'failed',
} as const;
export type InstancePhase = (typeof InstancePhase)[keyof typeof InstancePhase];

/** Why a probe fails; stable strings that scripts and dashboards may match. */
export const ProbeReason = {
  Starting: 'starting',
  NotSubscribed: 'not-subscribed',
  /** Stream mode: no script process is up to take messages (between a crash and its restart). */
  ScriptNotRunning: 'script-not-running',
  Draining: 'draining',
  Stopped: 'stopped',
  Failed: 'failed',
} as const;
export type ProbeReason = (typeof ProbeReason)[keyof typeof ProbeReason];

export interface ProbeResult {
  readonly ok: boolean;
  readonly reason?: ProbeReason;
  /** A human-readable explanation (the failure's message). */
  readonly detail?: string;
}

export interface InstanceHealthOptions {
  /** The status document's workerId. Default the host name (the pod name under Kubernetes). */
  readonly workerId?: string;
}

/** What readiness asks at every probe while running; a check that throws counts as failing. */
export interface ReadinessChecks {
  /** The subscription is connected (e.g. `() => consumer.isConnected`). Default: always. */
  readonly subscribed?: () => boolean;
  /** Stream mode: a script process is up to take messages. Default: always. */
  readonly scriptRunning?: () => boolean;
}

const OK: ProbeResult = { ok: true };
const ALWAYS = () => true;

/**
 * Moves starting → running → draining → stopped, or to failed from anywhere; a later phase never goes back
 * (a draining instance stays unready even if something calls markRunning late).
 */
export class InstanceHealth {
  readonly workerId: string;
  #phase: InstancePhase = InstancePhase.Starting;
  #isSubscribed: () => boolean = ALWAYS;
  #isScriptRunning: () => boolean = ALWAYS;
  #error = '';

  constructor(options: InstanceHealthOptions = {}) {
    this.workerId = options.workerId ?? hostname();
  }

  get phase(): InstancePhase {
    return this.#phase;
  }

  /** The consumer is subscribed and messages flow; `checks` say at each probe whether that still holds. */
  markRunning(checks: ReadinessChecks = {}): void {
    if (this.#phase !== InstancePhase.Starting) return;
    this.#isSubscribed = checks.subscribed ?? ALWAYS;
    this.#isScriptRunning = checks.scriptRunning ?? ALWAYS;
    this.#phase = InstancePhase.Running;
  }

  /** Shutdown began: no new work, in-flight work finishing. */
  markDraining(): void {
    if (this.#phase === InstancePhase.Starting || this.#phase === InstancePhase.Running) {
      this.#phase = InstancePhase.Draining;
    }
  }

  markStopped(): void {
    if (this.#phase !== InstancePhase.Failed) this.#phase = InstancePhase.Stopped;
  }

  /** Something unrecoverable happened: liveness fails so that the kubelet restarts the container. */
  markFailed(error: string): void {
    this.#phase = InstancePhase.Failed;
    this.#error = error;
  }

  liveness(): ProbeResult {
    return this.#phase === InstancePhase.Failed
      ? { ok: false, reason: ProbeReason.Failed, detail: this.#error }
      : OK;
  }

  readiness(): ProbeResult {
    switch (this.#phase) {
      case InstancePhase.Starting:
        return { ok: false, reason: ProbeReason.Starting };
      case InstancePhase.Running:
        // The subscription first: without it, no script process would get a message anyway.
        if (!holds(this.#isSubscribed)) return { ok: false, reason: ProbeReason.NotSubscribed };
        if (!holds(this.#isScriptRunning)) return { ok: false, reason: ProbeReason.ScriptNotRunning };
        return OK;
      case InstancePhase.Draining:
        return { ok: false, reason: ProbeReason.Draining };
      case InstancePhase.Stopped:
        return { ok: false, reason: ProbeReason.Stopped };
      case InstancePhase.Failed:
        return { ok: false, reason: ProbeReason.Failed, detail: this.#error };
    }
  }

  /** Running as the status document means it: processing or finishing its work. */
  get running(): boolean {
    return this.#phase === InstancePhase.Running || this.#phase === InstancePhase.Draining;
  }

  /** Empty unless failed. */
  get error(): string {
    return this.#error;
  }
}

function holds(check: () => boolean): boolean {
  try {
    return check();
  } catch {
    return false;
  }
}
