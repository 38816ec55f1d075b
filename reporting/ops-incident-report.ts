import type { IncidentTrigger } from '../policies/incident-triggers';
import type { IncidentStep } from '../contracts/incidents';
import { writeReport, type ReportFiles, type ReportSection } from './report';

/**
 * The incident report (seed: "Generate incident report", "Generate loss analysis report"): what triggered it, every
 * protocol step taken with its outcome, the facts each protocol gathered, the proposed measures, and what the
 * operator does next.
 */
export interface IncidentReportData {
  incidentId: string;
  runId: string;
  title: string;
  openedAt: string;
  triggers: IncidentTrigger[];
  triggerCount: number;
  steps: IncidentStep[];
  tables: { heading: string; columns: string[]; rows: (string | number)[][] }[];
  measures: string[];
  nextStep: string;
}

const MAX_TRIGGER_ROWS = 50;

export function writeIncidentReport(dir: string, data: IncidentReportData): ReportFiles {
  const sections: ReportSection[] = [
    {
      kind: 'text',
      paragraphs: [
        `Incident ${data.incidentId} (run ${data.runId}), opened ${data.openedAt}.`,
        `${data.triggerCount} trigger(s) of this cause so far${data.triggerCount > data.triggers.length ? `; the first ${data.triggers.length} are listed` : ''}.`,
      ],
    },
    {
      kind: 'table',
      heading: 'Triggers',
      columns: ['at', 'source', 'what happened'],
      rows: data.triggers.slice(0, MAX_TRIGGER_ROWS).map((t) => [t.at, t.source, t.summary]),
    },
    {
      kind: 'table',
      heading: 'Protocol steps',
      columns: ['at', 'step', 'outcome'],
      rows: data.steps.map((s) => [s.at, s.step, s.outcome]),
    },
    ...data.tables.map((t): ReportSection => ({ kind: 'table', heading: t.heading, columns: t.columns, rows: t.rows })),
  ];
  if (data.measures.length > 0)
    sections.push({
      kind: 'text',
      heading: 'Proposed corrective measures',
      paragraphs: data.measures.map((m, i) => `${i + 1}. ${m}`),
    });
  sections.push({ kind: 'text', heading: 'Next step for the operator', paragraphs: [data.nextStep] });
  return writeReport(dir, 'incident', data.title, sections);
}
