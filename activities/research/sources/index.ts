import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { z } from 'zod';
import type { WorkerContext } from '../../../platform/worker-context';
import { activityCallKey } from '../analyst';
import type { AnalystDeps } from '../analyst/deps';
import { parseAllowlist, SourceNotAllowed } from './allowlist';
import { parseFeed, parseSources, type SourceSpec } from './feeds';
import { fetchAllowed } from './http-fetch';
import { screenAndStore, type Detection, type ScreenedItem } from './screening';

/**
 * The research domain's outside-text activities (capability web.scrape). Only ids and verdicts come back to the
 * workflow: accepted text is read later by the analyst from the store, so no workflow ever carries it.
 */
export interface ScreeningReport {
  accepted: { documentId: string; source: string; externalId: string }[];
  quarantined: Detection[];
  /** Sources that could not be read this time (the rest still count). */
  failures: { source: string; error: string }[];
}

export const untrustedItemsSchema = z.object({
  items: z
    .array(
      z.object({
        source: z.string().regex(/^[\w.:-]{1,80}$/),
        externalId: z.string().min(1).max(300),
        title: z.string().max(2_000).optional(),
        body: z.string().max(20_000),
      }),
    )
    .max(1_000),
});

/** Fetches each source through the allowlist, then screens, stores and (when needed) quarantines every item. */
export async function collectSources(
  deps: AnalystDeps,
  sources: readonly SourceSpec[],
  allowlist: ReadonlySet<string>,
  callKey: string,
  progress: (sourceId: string) => void = () => undefined,
): Promise<ScreeningReport> {
  const out = emptyReport();
  for (const source of sources) {
    progress(source.id);
    try {
      const fetched = await fetchAllowed(source.url, allowlist);
      for (const item of parseFeed(source, fetched.text)) collect(out, await screenAndStore(deps, item, callKey));
    } catch (err) {
      // One unreadable source does not stop the others; an allowlist refusal is named so the operator sees it.
      out.failures.push({
        source: source.id,
        error: `${err instanceof SourceNotAllowed ? 'SourceNotAllowed: ' : ''}${(err as Error).message}`,
      });
    }
  }
  return out;
}

export function createSourceActivities(ctx: Pick<WorkerContext, 'ledgerPool' | 'config' | 'secrets'>) {
  const deps: AnalystDeps = { pool: ctx.ledgerPool, config: ctx.config, secrets: ctx.secrets };
  return {
    /** Fetches the configured sources (all, or those named), screens every item, stores and quarantines. */
    async collectResearchText(request: { sourceIds?: string[] } = {}): Promise<ScreeningReport> {
      let sources: SourceSpec[];
      try {
        sources = parseSources(ctx.config.NEMO_RESEARCH_SOURCES).filter(
          (s) => !request.sourceIds || request.sourceIds.includes(s.id),
        );
      } catch (err) {
        throw ApplicationFailure.nonRetryable((err as Error).message, 'ConfigError');
      }
      return collectSources(
        deps,
        sources,
        parseAllowlist(ctx.config.NEMO_SOURCE_ALLOWLIST),
        activityCallKey(),
        (source) => Context.current().heartbeat({ source }),
      );
    },

    /** Screens texts the workflow already holds (market titles and rules from the venue adapters). */
    async screenUntrustedText(request: z.input<typeof untrustedItemsSchema>): Promise<ScreeningReport> {
      const parsed = untrustedItemsSchema.safeParse(request);
      if (!parsed.success)
        throw ApplicationFailure.nonRetryable(
          `screening request refused: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
          'ScreeningInputError',
        );
      const out = emptyReport();
      const key = activityCallKey();
      for (const item of parsed.data.items) {
        collect(
          out,
          await screenAndStore(
            deps,
            { document: { source: item.source, externalId: item.externalId, title: item.title, body: item.body } },
            key,
          ),
        );
      }
      return out;
    },
  };
}

const emptyReport = (): ScreeningReport => ({ accepted: [], quarantined: [], failures: [] });

function collect(out: ScreeningReport, item: ScreenedItem): void {
  if (item.status === 'accepted')
    out.accepted.push({ documentId: item.documentId, source: item.source, externalId: item.externalId });
  else if (item.detection) out.quarantined.push(item.detection);
}

export type SourceActivities = ReturnType<typeof createSourceActivities>;
