// Whether the PBX answers, as the outputs show it (pbx/availability, /readyz, /healthz, metrics).

export interface PbxHealth {
  /** null until the first poll result; then whether the PBX answers (CONTRACT §3 pbx/availability). */
  reachable: boolean | null;
  /** When a poll last ended, successful or not (epoch ms; 0 before the first): liveness of the loops. */
  lastPollAt: number;
  /** The ActiveCalls poll fails while other polls succeed: calls are stale although the PBX answers. */
  callsDegraded: boolean;
}
