import type { Worker } from '@temporalio/worker';
import type { NemoConfig } from '../../platform/config';
import type { SecretSource } from '../../platform/secrets';
import { createLogger } from '../../platform/logger';
import { createDomainWorker, type DomainWorkerSpec } from '../../workers/domain-worker';
import type { WorkerContext } from '../../platform/worker-context';
import { atFileEnd } from './stack';
import { withTestLedgerKey } from './ledger-key';

export interface RunningWorker {
  worker: Worker;
  ctx: WorkerContext;
}

/**
 * Starts real domain workers (their real workflows and activities, guarded) in this process against the test stack;
 * they stop when the test file ends.
 */
export async function startDomainWorkers(
  config: NemoConfig,
  specs: (DomainWorkerSpec & { secrets?: SecretSource })[],
): Promise<RunningWorker[]> {
  const running: RunningWorker[] = [];
  for (const spec of specs) {
    const logger = createLogger({
      name: `test-worker-${spec.domain}`,
      level: config.NEMO_LOG_LEVEL,
      logDir: `${config.NEMO_HOME}/logs`,
      stdout: false,
    });
    const { worker, ctx, close } = await createDomainWorker(spec, config, {
      logger,
      secrets: spec.secrets && withTestLedgerKey(spec.secrets),
    });
    const done = worker.run();
    atFileEnd(async () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await done;
      await close();
    });
    running.push({ worker, ctx });
  }
  return running;
}
