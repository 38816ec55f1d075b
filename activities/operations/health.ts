import type { NemoConfig } from '../../platform/config';
import type { SecretSource } from '../../platform/secrets';
import type { SmtpCredential, TwilioCredential } from '../../platform/vault/entries';
import type { WorkerContext } from '../../platform/worker-context';
import { checkSmtp } from '../../platform/alerts/email';
import { checkTwilioAccount } from '../../platform/alerts/sms';
import type { VenuePorts } from '../venues/credentials';
import { runProbe, type HealthProbe, type HealthReport } from '../../platform/health-probe';

/** NEMO's own dependencies: Temporal and the ledger's PostgreSQL. */
export function coreHealthProbes(ctx: Pick<WorkerContext, 'temporal' | 'ledgerPool'>): HealthProbe[] {
  return [
    {
      name: 'temporal',
      async check() {
        await ctx.temporal.workflowService.describeNamespace({ namespace: ctx.temporal.options.namespace });
      },
    },
    {
      name: 'postgresql',
      async check() {
        await ctx.ledgerPool.query('SELECT 1 FROM ledger_entries LIMIT 1');
      },
    },
  ];
}

/**
 * The outside APIs this domain holds (seed: "API health checks"): each venue (its balance when the domain holds a key,
 * so a revoked or expired key shows as down; else public market data) and each configured alert channel (the Twilio
 * account, the SMTP login). Credentials are read at each check, so a rotated one is what gets probed.
 */
export function serviceHealthProbes(deps: {
  ports: VenuePorts;
  secrets: SecretSource;
  config: Pick<NemoConfig, 'NEMO_TWILIO_API_URL'>;
}): HealthProbe[] {
  const probes: HealthProbe[] = Object.values(deps.ports).map((port) => ({
    name: port.venue,
    async check() {
      if (port.authenticated) await port.getBalance();
      else await port.listMarkets({ status: 'open', limit: 1 });
    },
  }));
  const twilio = deps.secrets.get('twilio');
  if (twilio)
    probes.push({
      name: 'twilio',
      check: () => checkTwilioAccount(JSON.parse(twilio) as TwilioCredential, deps.config.NEMO_TWILIO_API_URL),
    });
  const smtp = deps.secrets.get('smtp');
  if (smtp) probes.push({ name: 'smtp', check: () => checkSmtp(JSON.parse(smtp) as SmtpCredential) });
  return probes;
}

export function createHealthActivities(probes: () => HealthProbe[]) {
  return {
    async probeHealth(): Promise<HealthReport> {
      const checks = await Promise.all(probes().map(runProbe));
      return { checkedAt: new Date().toISOString(), checks, allUp: checks.every((c) => c.status === 'up') };
    },
  };
}

export type HealthActivities = ReturnType<typeof createHealthActivities>;
