import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

/**
 * The canary detector: given secret values planted in a run, it searches everything the run left behind (every
 * file under a log directory, the Temporal history of given workflows as `temporal workflow show` prints it, and
 * the request bodies a fake service captured) for each value and its encoded forms. It is written apart from the
 * log scrubber on purpose: a detector sharing the scrubber's idea of "encoded" would be blind to the same gaps.
 */

export interface PlantedSecret {
  label: string;
  value: string;
}

export interface CanaryHit {
  label: string;
  /** Which form was found: raw, json, url, base64@1, hex, line 2, ... */
  form: string;
  /** Where: a file path, `workflow <id> (json)`, `request body 3`. */
  where: string;
}

const MIN_FORM_LENGTH = 8;

/**
 * Base64 of the secret as it appears inside a longer base64 text (a payload, a token): the secret can start at any
 * of three byte alignments, and only the characters computed from its bytes alone are stable.
 */
function embeddedBase64(bytes: Buffer, alphabet: 'base64' | 'base64url'): [string, string][] {
  return [0, 1, 2].map((offset) => {
    const encoded = Buffer.concat([Buffer.alloc(offset), bytes]).toString(alphabet);
    const first = [0, 2, 3][offset]!;
    const last = Math.floor(((offset + bytes.length) * 8) / 6);
    return [`${alphabet}@${offset}`, encoded.slice(first, last)];
  });
}

export function encodedForms(value: string): [form: string, text: string][] {
  const bytes = Buffer.from(value, 'utf8');
  const forms: [string, string][] = [
    ['raw', value],
    ['json', JSON.stringify(value).slice(1, -1)],
    ['url', encodeURIComponent(value)],
    ['form', new URLSearchParams({ x: value }).toString().slice(2)],
    ...embeddedBase64(bytes, 'base64'),
    ...embeddedBase64(bytes, 'base64url'),
    ['hex', bytes.toString('hex')],
    ['HEX', bytes.toString('hex').toUpperCase()],
  ];
  value.split(/\r?\n/).forEach((line, i) => {
    if (line.trim().length >= 16 && !line.startsWith('-----')) forms.push([`line ${i + 1}`, line.trim()]);
  });
  const seen = new Set<string>();
  return forms.filter(([, text]) => text.length >= MIN_FORM_LENGTH && !seen.has(text) && seen.add(text));
}

export function findSecrets(text: string, secrets: PlantedSecret[], where: string): CanaryHit[] {
  return secrets.flatMap((s) =>
    encodedForms(s.value)
      .filter(([, form]) => text.includes(form))
      .map(([form]) => ({ label: s.label, form, where })),
  );
}

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? filesUnder(full) : [full];
  });
}

export interface TemporalTarget {
  cli: string;
  address: string;
  namespace: string;
  /** Decode payloads through NEMO's codec endpoint, so the check sees what workflows carried, not only ciphertext. */
  codecEndpoint?: string;
}

/** The test stack's Temporal: the runner sets NEMO_TEST_TEMPORAL_CLI, TEMPORAL_ADDRESS and TEMPORAL_NAMESPACE. */
export function testTemporalTarget(codecEndpoint?: string): TemporalTarget {
  const need = (name: string) => {
    const value = process.env[name];
    if (!value) throw new Error(`${name} is not set: run the canary through \`npm test\``);
    return value;
  };
  return {
    cli: need('NEMO_TEST_TEMPORAL_CLI'),
    address: need('TEMPORAL_ADDRESS'),
    namespace: need('TEMPORAL_NAMESPACE'),
    codecEndpoint,
  };
}

/** `temporal workflow show` as an operator would run it, in JSON and in the human format. */
export async function showWorkflow(
  target: TemporalTarget,
  workflowId: string,
): Promise<{ json: string; text: string }> {
  const run = promisify(execFile);
  const base = [
    'workflow',
    'show',
    '--workflow-id',
    workflowId,
    '--address',
    target.address,
    '--namespace',
    target.namespace,
    '--color',
    'never',
  ];
  if (target.codecEndpoint) base.push('--codec-endpoint', target.codecEndpoint);
  const env = { ...process.env, TEMPORAL_ADDRESS: target.address, TEMPORAL_NAMESPACE: target.namespace };
  const [json, text] = await Promise.all([
    run(target.cli, [...base, '--output', 'json'], { env, maxBuffer: 64 * 1024 * 1024 }),
    run(target.cli, [...base, '--detailed'], { env, maxBuffer: 64 * 1024 * 1024 }),
  ]);
  return { json: json.stdout, text: text.stdout };
}

export interface CanaryScan {
  secrets: PlantedSecret[];
  logDir?: string;
  workflowIds?: string[];
  temporal?: TemporalTarget;
  requestBodies?: string[];
}

export interface CanaryReport {
  hits: CanaryHit[];
  scanned: { files: number; workflows: number; requestBodies: number };
}

export async function scanForSecrets(scan: CanaryScan): Promise<CanaryReport> {
  const hits: CanaryHit[] = [];
  const files = scan.logDir ? filesUnder(scan.logDir) : [];
  for (const file of files) hits.push(...findSecrets(readFileSync(file, 'utf8'), scan.secrets, file));
  const workflowIds = scan.workflowIds ?? [];
  if (workflowIds.length) {
    const target = scan.temporal ?? testTemporalTarget();
    for (const id of workflowIds) {
      const shown = await showWorkflow(target, id);
      hits.push(...findSecrets(shown.json, scan.secrets, `workflow ${id} (json)`));
      hits.push(...findSecrets(shown.text, scan.secrets, `workflow ${id} (detailed)`));
    }
  }
  (scan.requestBodies ?? []).forEach((body, i) =>
    hits.push(...findSecrets(body, scan.secrets, `request body ${i + 1}`)),
  );
  return {
    hits,
    scanned: { files: files.length, workflows: workflowIds.length, requestBodies: scan.requestBodies?.length ?? 0 },
  };
}
