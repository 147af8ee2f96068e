import type { AnnLog } from '../../workloads/search/index/serve/open-vector-index.js';

/** An AnnLog that keeps what the vector-index loader said, for asserting on its warnings and messages. */
export function recordingAnnLog(): AnnLog & { warnings: Array<{ details: object; message: string }>; infos: string[] } {
  const log = {
    warnings: [] as Array<{ details: object; message: string }>,
    infos: [] as string[],
    info: (_details: object, message: string) => void log.infos.push(message),
    warn: (details: object, message: string) => void log.warnings.push({ details, message }),
  };
  return log;
}
