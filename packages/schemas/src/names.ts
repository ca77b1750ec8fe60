import { z } from 'zod';

/** Model names are lowercase so `name@version` is unambiguous in URLs, headers and logs. */
export const MODEL_NAME_PATTERN = /^[a-z0-9][a-z0-9._-]{0,62}$/;
export const VERSION_LABEL_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$/;

export const ModelNameSchema = z
  .string()
  .regex(MODEL_NAME_PATTERN, 'model name must match ^[a-z0-9][a-z0-9._-]{0,62}$');
export const VersionLabelSchema = z
  .string()
  .regex(VERSION_LABEL_PATTERN, 'version label must match ^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$');

export interface ModelRef {
  model: string;
  version: string;
}

/** Parses `name@version`; returns null when either part is not a valid name. */
export function parseModelRef(ref: string): ModelRef | null {
  const at = ref.indexOf('@');
  if (at <= 0) return null;
  const model = ref.slice(0, at);
  const version = ref.slice(at + 1);
  if (!MODEL_NAME_PATTERN.test(model) || !VERSION_LABEL_PATTERN.test(version)) return null;
  return { model, version };
}

export function formatModelRef(model: string, version: string): string {
  return `${model}@${version}`;
}
