import type { Tensor, TensorMeta } from '../backends/types.ts';
import { type Issue, MAX_ISSUES } from './issues.ts';

/** Structural limits on every JSON body, checked before any route sees it. */
export interface RequestLimits {
  /** Deepest nesting of lists and objects (the body itself is depth 1). */
  maxDepth: number;
  /** Longest list, and most fields in one object. */
  maxArrayLength: number;
  /** Longest string value or field name, in UTF-16 code units. */
  maxStringLength: number;
  /** Most instances (rows of a batch) in one prediction request. */
  maxInstances: number;
}

export const DEFAULT_REQUEST_LIMITS: Readonly<RequestLimits> = Object.freeze({
  maxDepth: 32,
  maxArrayLength: 65_536,
  maxStringLength: 65_536,
  maxInstances: 1_000,
});

// Own properties with these names are harmless until some code copies them with assignment
// (`Object.assign`, a merge helper): then `__proto__` replaces a prototype. Refuse them outright.
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor']);

interface Frame {
  value: object;
  depth: number;
  parent: Frame | null;
  key: string | number;
}

function pathOf(frame: Frame | null, key?: string | number): string {
  const parts: (string | number)[] = key === undefined ? [] : [key];
  for (let f = frame; f !== null && f.parent !== null; f = f.parent) parts.push(f.key);
  if (parts.length === 0) return 'body';
  let path = '';
  for (let i = parts.length - 1; i >= 0; i--) {
    const part = parts[i] as string | number;
    path += typeof part === 'number' ? `[${part}]` : path === '' ? part : `.${part}`;
  }
  return path.startsWith('[') ? `body${path}` : path;
}

/**
 * Walks a parsed JSON body once (iteratively: a deeply nested body must not overflow the stack)
 * and returns what breaks the limits: depth, list length, string length, non-finite numbers
 * (`1e400` parses to Infinity) and prototype-polluting field names. Stops after MAX_ISSUES.
 */
export function checkJsonLimits(body: unknown, limits: RequestLimits): Issue[] {
  // Nearly every body is within the limits: that is found without allocating; only a body that
  // is not is walked again to name each issue.
  if (withinLimits(body, 1, limits)) return [];
  const issues: Issue[] = [];
  const add = (frame: Frame | null, key: string | number | undefined, message: string) => {
    if (issues.length < MAX_ISSUES) issues.push({ path: pathOf(frame, key), message });
  };
  // Checks a scalar in place; returns a frame for a container that still has to be walked.
  const visit = (value: unknown, parent: Frame | null, key: string | number): Frame | null => {
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) add(parent, key, 'must be a finite number');
      return null;
    }
    if (typeof value === 'string') {
      if (value.length > limits.maxStringLength) {
        add(parent, key, `string longer than ${limits.maxStringLength} characters`);
      }
      return null;
    }
    if (typeof value !== 'object' || value === null) return null;
    const depth = parent === null ? 1 : parent.depth + 1;
    if (depth > limits.maxDepth) {
      add(parent, key, `nested deeper than ${limits.maxDepth} levels`);
      return null;
    }
    return { value, depth, parent, key };
  };

  const root = visit(body, null, 'body');
  const stack: Frame[] = root === null ? [] : [root];
  // One scratch list for every container's child containers: this walk runs on every request.
  const children: Frame[] = [];
  while (stack.length > 0 && issues.length < MAX_ISSUES) {
    const frame = stack.pop() as Frame;
    children.length = 0;
    if (Array.isArray(frame.value)) {
      const list = frame.value as unknown[];
      if (list.length > limits.maxArrayLength) {
        add(frame, undefined, `list longer than ${limits.maxArrayLength} elements (got ${list.length})`);
        continue;
      }
      for (let i = 0; i < list.length; i++) {
        const child = visit(list[i], frame, i);
        if (child !== null) children.push(child);
      }
    } else {
      const keys = Object.keys(frame.value);
      if (keys.length > limits.maxArrayLength) {
        add(frame, undefined, `object with more than ${limits.maxArrayLength} fields`);
        continue;
      }
      for (const key of keys) {
        if (FORBIDDEN_KEYS.has(key)) add(frame, key, `"${key}" is not allowed as a field name`);
        else if (key.length > limits.maxStringLength) {
          add(frame, undefined, `field name longer than ${limits.maxStringLength} characters`);
        } else {
          const child = visit((frame.value as Record<string, unknown>)[key], frame, key);
          if (child !== null) children.push(child);
        }
      }
    }
    // Reversed, so sibling containers are walked in document order (each after its scalar siblings).
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i] as Frame);
  }
  return issues;
}

/**
 * True when `value` (a container at `depth`) breaks none of the limits {@link checkJsonLimits}
 * names. Recursive, but never deeper than `maxDepth` (at most 1000, see cache/config.ts).
 */
function withinLimits(value: unknown, depth: number, limits: RequestLimits): boolean {
  if (typeof value === 'number') return Number.isFinite(value);
  if (typeof value === 'string') return value.length <= limits.maxStringLength;
  if (typeof value !== 'object' || value === null) return true;
  if (depth > limits.maxDepth) return false;
  if (Array.isArray(value)) {
    if (value.length > limits.maxArrayLength) return false;
    for (let i = 0; i < value.length; i++) if (!withinLimits(value[i], depth + 1, limits)) return false;
    return true;
  }
  let fields = 0;
  // `for…in` rather than Object.keys (no array per object); a parsed body has own fields only.
  for (const key in value) {
    fields += 1;
    if (fields > limits.maxArrayLength || key.length > limits.maxStringLength || FORBIDDEN_KEYS.has(key))
      return false;
    if (!withinLimits((value as Record<string, unknown>)[key], depth + 1, limits)) return false;
  }
  return true;
}

/** The instance limit's issue: `count` rows where at most `maxInstances` are taken. */
export function instanceLimitIssue(path: string, count: number, limits: RequestLimits): Issue {
  return { path, message: `at most ${limits.maxInstances} instances per request, got ${count}` };
}

/**
 * Rows beyond the instance limit, in decoded tensors whose first dimension is the model's batch
 * dimension; `pathOf(input, request)` names a tensor as the request wrote it.
 */
export function batchIssues<Q>(
  tensors: readonly Tensor[],
  metas: readonly TensorMeta[],
  limits: RequestLimits,
  pathOf: (input: string, request: Q) => string,
  request: Q,
): Issue[] {
  const issues: Issue[] = [];
  for (const tensor of tensors) {
    const rows = tensor.shape[0] ?? 0;
    if (rows <= limits.maxInstances) continue;
    const meta = metas.find((m) => m.name === tensor.name);
    if (meta?.shape[0] === -1) issues.push(instanceLimitIssue(pathOf(tensor.name, request), rows, limits));
  }
  return issues;
}
