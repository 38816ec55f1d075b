import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { configSchema } from '../../platform/config';

describe('.env.example', () => {
  it('documents every configuration variable the schema accepts', () => {
    const text = readFileSync(path.resolve(__dirname, '..', '..', '.env.example'), 'utf8');
    const documented = new Set([...text.matchAll(/^#?\s*([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]));
    const missing = Object.keys(configSchema.shape).filter((name) => !documented.has(name));
    assert.deepEqual(missing, [], `add these to .env.example: ${missing.join(', ')}`);
  });
});
