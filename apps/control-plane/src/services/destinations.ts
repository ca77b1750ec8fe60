import {
  hostNotAllowedMessage,
  isHostAllowed,
  type RegisterVersionInput,
  restrictedLiteralHost,
} from '@modelplane/schemas';
import type { ControlPlaneConfig } from '../config.ts';

const SPECIAL_TREES = ['/dev/', '/proc/', '/sys/'];

/**
 * Why a registration names a destination replicas must not reach, or null. What can be known
 * without DNS is checked here (allowlist, IP literals in restricted ranges, `localhost`, device
 * files); replicas check again, on the resolved address, when they connect or read.
 */
export function destinationProblem(
  input: RegisterVersionInput,
  config: Pick<ControlPlaneConfig, 'BACKEND_HOST_ALLOWLIST' | 'ALLOW_PRIVATE_NETWORK_BACKENDS'>,
): string | null {
  const allowlist = config.BACKEND_HOST_ALLOWLIST;
  if (input.backend.kind !== 'onnx') {
    if (!isHostAllowed(input.backend.url, allowlist))
      return hostNotAllowedMessage(input.backend.url, allowlist);
    const problem = restrictedProblem('backend.url', new URL(input.backend.url), config);
    if (problem) return problem;
  }
  const uri = input.artifact?.uri;
  if (uri === undefined || uri.startsWith('artifact://')) return null;
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return 'artifact.uri: not a valid URL';
  }
  if (url.protocol === 'file:') {
    const path = decodeURIComponent(url.pathname);
    return SPECIAL_TREES.some((tree) => `${path}/`.startsWith(tree))
      ? 'artifact.uri: file:// artifacts may not name device or kernel files (/dev, /proc, /sys)'
      : null;
  }
  if (!isHostAllowed(url, allowlist)) {
    return `artifact.uri: host ${url.host} is not on the backend host allowlist (${allowlist.join(', ')})`;
  }
  return restrictedProblem('artifact.uri', url, config);
}

function restrictedProblem(
  field: string,
  url: URL,
  config: Pick<ControlPlaneConfig, 'ALLOW_PRIVATE_NETWORK_BACKENDS'>,
): string | null {
  const kind = restrictedLiteralHost(url);
  if (!kind) return null;
  // No model server lives at a cloud metadata address, so the opt-in does not cover it.
  if (kind === 'metadata') return `${field}: host ${url.hostname} is a cloud metadata address`;
  if (config.ALLOW_PRIVATE_NETWORK_BACKENDS) return null;
  return `${field}: host ${url.hostname} is a ${kind} address; set ALLOW_PRIVATE_NETWORK_BACKENDS=true (control plane and replicas) to allow private hosts`;
}
