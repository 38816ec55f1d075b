import type { MessagesRequestBody, ScriptedReply } from './server';

/**
 * A confident, honest model for the loopback Messages API (`fake.fallback = confidentModel('canary')`): as the analyst
 * it rates every market's YES at 0.9, so a research scan finds candidates the desks can trade; as the screening
 * reviewer it finds no injection. `who` names the run in its rationales.
 */
export function confidentModel(who: string): (body: MessagesRequestBody) => ScriptedReply {
  return (body) =>
    body.tools?.some((t) => t.name === 'report_probability_estimate')
      ? {
          kind: 'tool',
          name: 'report_probability_estimate',
          input: { probability: 0.9, confidence: 0.8, rationale: `${who} analyst` },
        }
      : {
          kind: 'tool',
          name: body.tools?.[0]?.name ?? 'tool',
          input: { injection: false, confidence: 0.9, reason: `${who} reviewer` },
        };
}
