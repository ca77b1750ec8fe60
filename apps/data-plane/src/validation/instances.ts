import type { ValidateFunction } from '@modelplane/json-schema';
import type { TensorMeta } from '../backends/types.ts';
import { featureMappingOf } from '../protocol/features.ts';
import { isPlainObject } from '../protocol/tensor.ts';
import { type PredictBody, rowForm } from '../protocol/tfserving-tensors.ts';
import type { VersionConfig } from '../routing/types.ts';
import { ajvIssues, instancePaths, type PathStyle } from './ajv-issues.ts';
import { type Issue, MAX_ISSUES } from './issues.ts';

/**
 * Checks a TF Serving body against the version's instance schema and returns every failing field.
 * The schema describes one instance: each row-format instance is checked, and so is each row of
 * a columnar body of named features. A body that addresses the model's tensors directly (raw
 * rows of a single-input model, or objects keyed by input name) is checked against the tensor
 * signature by the decoder instead.
 */
export function instanceIssues(
  validate: ValidateFunction,
  version: VersionConfig,
  body: PredictBody,
  metas: readonly TensorMeta[],
): Issue[] {
  const mapping = featureMappingOf(version);
  const noun = mapping ? 'feature' : 'field';
  const issues: Issue[] = [];
  if (body.instances !== undefined) {
    if (mapping && rowForm(body.instances, mapping, metas) !== 'features') return [];
    for (let i = 0; i < body.instances.length && issues.length < MAX_ISSUES; i++) {
      if (!validate(body.instances[i])) {
        issues.push(...ajvIssues(validate.errors ?? [], instancePaths(`instances[${i}]`, noun)));
      }
    }
    return issues.slice(0, MAX_ISSUES);
  }
  const rows = featureRowsOf(version, body.inputs, metas);
  if (rows === null) return [];
  const seen = new Set<string>();
  rows.forEach((row, r) => {
    if (issues.length >= MAX_ISSUES || validate(row)) return;
    const style: PathStyle = { base: 'inputs', field: (name) => `inputs.${name}[${r}]`, noun };
    for (const issue of ajvIssues(validate.errors ?? [], style)) {
      // A missing or unknown column fails every row the same way: report it once, for the column.
      const path = issue.message.startsWith('unknown') ? issue.path.replace(/\[\d+\]$/, '') : issue.path;
      const key = `${path}\n${issue.message}`;
      if (seen.has(key)) continue;
      seen.add(key);
      issues.push({ path, message: issue.message });
    }
  });
  return issues.slice(0, MAX_ISSUES);
}

/** A columnar body of named features as rows, or null when it is some other form (or malformed). */
function featureRowsOf(
  version: VersionConfig,
  inputs: unknown,
  metas: readonly TensorMeta[],
): Record<string, unknown>[] | null {
  if (!featureMappingOf(version) || !isPlainObject(inputs)) return null;
  const names = Object.keys(inputs);
  if (names.some((name) => metas.some((m) => m.name === name))) return null;
  const columns = names.map((name) => inputs[name]);
  if (!columns.every(Array.isArray)) return null;
  const n = (columns[0] as unknown[] | undefined)?.length ?? 0;
  if (columns.some((c) => (c as unknown[]).length !== n)) return null;
  return Array.from({ length: n }, (_, r) =>
    Object.fromEntries(names.map((name, c) => [name, (columns[c] as unknown[])[r]])),
  );
}
