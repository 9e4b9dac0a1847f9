/**
 * The layering of src/ and drivers/, lowest first. A file belongs to the longest folder (or file)
 * listed that contains it; imports point strictly down: to a lower rank or within the same entry.
 * Two entries of the same rank know nothing of each other. A new top-level folder under src/ must
 * be added here (the architecture test fails on a file no entry covers).
 */
export interface Layer {
  /** a folder (or a single file) relative to the repository, with '/' */
  path: string;
  rank: number;
  /** what lives here, and so why it sits at this rank */
  holds: string;
}

export const LAYERS: readonly Layer[] = [
  { path: 'drivers', rank: 0, holds: 'SPI, GPIO, clock and the CC1101 with its register-level simulator' },
  { path: 'src/wmbus', rank: 0, holds: 'the wireless M-Bus core: frames, link, transport, security, application layer' },
  { path: 'src/version.ts', rank: 0, holds: "the package's version" },
  { path: 'src/meters', rank: 1, holds: 'meter families and their quirks, plugged into the decode core' },
  { path: 'src/model', rank: 2, holds: 'shapes and pure functions several layers share: meters, readings, history, status, time zone' },
  { path: 'src/config', rank: 3, holds: 'the configuration file and its settings' },
  { path: 'src/store', rank: 3, holds: 'the durable store on the data folder' },
  { path: 'src/radio', rank: 4, holds: 'the radio process, its supervisor and the simulated air' },
  { path: 'src/gateway', rank: 5, holds: 'frames in, readings, history and events out' },
  { path: 'src/publish', rank: 6, holds: 'MQTT, Home Assistant discovery, Prometheus' },
  { path: 'src/web', rank: 7, holds: 'the web page, the JSON API and server-sent events' },
  { path: 'src/cli', rank: 8, holds: 'the command line: run, decode, replay, listen' },
];

/** An edge the layering forbids that another change in flight removes; see knownViolations. */
export interface KnownViolation {
  rule: string;
  from: string;
  to: string;
  /** the change that removes it */
  removedBy: string;
}

/**
 * Forbidden edges that exist today because their fix is in progress. The architecture test fails
 * on any forbidden edge not listed here, and on an entry here whose edge has gone (delete it then).
 */
export const knownViolations: readonly KnownViolation[] = [];
