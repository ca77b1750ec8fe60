import { lookup as dnsLookup } from 'node:dns/promises';
import type { LookupFunction } from 'node:net';
import { isHostAllowed, isIpLiteral, restrictedAddressClass } from '@modelplane/schemas';
import { Agent, buildConnector } from 'undici';

/** One resolved address, as `dns.lookup(..., { all: true })` returns it. */
export interface ResolvedAddress {
  address: string;
  family: number;
}

/** Resolves a host name to every address it has. Tests inject one; the default is the OS resolver. */
export type Resolver = (hostname: string) => Promise<ResolvedAddress[]>;

/**
 * Where this replica may connect for artifact downloads and remote backends. By default loopback,
 * private, link-local, metadata, CGNAT, unspecified and multicast addresses are refused, checked on
 * the resolved address when the socket connects (so DNS rebinding gains nothing). Cloud metadata
 * addresses are refused even with the opt-in: no model server lives there.
 */
export interface NetworkPolicy {
  /** `ALLOW_PRIVATE_NETWORK_BACKENDS=true`: on-premises hosts on private addresses are allowed. */
  allowPrivateNetwork: boolean;
  /** `BACKEND_HOST_ALLOWLIST`: when non-empty, the only hosts (and ports) that may be named. */
  hostAllowlist: readonly string[];
  /** Name resolution; the OS resolver unless a test injects one. */
  resolve?: Resolver;
}

/** The policy when nothing is configured: public addresses only, any host name. */
export const STRICT_NETWORK_POLICY: NetworkPolicy = { allowPrivateNetwork: false, hostAllowlist: [] };

/**
 * The destination is not allowed. `message` is short and safe to show viewers (no host, no
 * address); `detail` says which host and address, for the log only.
 */
export class DestinationRefusedError extends Error {
  readonly code = 'MODELPLANE_DESTINATION_REFUSED';
  constructor(
    message: string,
    readonly detail: string,
  ) {
    super(message);
    this.name = 'DestinationRefusedError';
  }
}

const OPT_IN = 'set ALLOW_PRIVATE_NETWORK_BACKENDS=true to allow private hosts';

function restrictedError(kind: string, detail: string): DestinationRefusedError {
  if (kind === 'metadata') {
    return new DestinationRefusedError('the host resolves to a cloud metadata address', detail);
  }
  return new DestinationRefusedError(`the host resolves to a ${kind} address (${OPT_IN})`, detail);
}

/** The class of `address` when the policy refuses it, else null. */
function refusedClass(address: string, policy: NetworkPolicy): string | null {
  const kind = restrictedAddressClass(address);
  if (kind === null || (policy.allowPrivateNetwork && kind !== 'metadata')) return null;
  return kind;
}

/**
 * Checks what can be checked before connecting: the scheme (http or https only), the host
 * allowlist and, for an IP literal or a `localhost` name, the address class. Throws
 * {@link DestinationRefusedError}. Run it on every URL, redirect hops included.
 */
export function checkUrl(url: URL, policy: NetworkPolicy): void {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new DestinationRefusedError(
      `the ${url.protocol.replace(/:$/, '')} scheme is not allowed here`,
      `url scheme ${url.protocol}`,
    );
  }
  if (!isHostAllowed(url, policy.hostAllowlist)) {
    throw new DestinationRefusedError(
      'the host is not on BACKEND_HOST_ALLOWLIST',
      `host ${url.host} is not on the allowlist`,
    );
  }
  const name = url.hostname.toLowerCase().replace(/\.$/, '');
  if (!policy.allowPrivateNetwork && (name === 'localhost' || name.endsWith('.localhost'))) {
    throw restrictedError('loopback', `host ${url.host} is a localhost name`);
  }
  const kind = refusedClass(url.hostname, policy);
  if (kind) throw restrictedError(kind, `host ${url.host} is a ${kind} address`);
}

/** Refuses a restricted address; a host name with any restricted address is refused whole. */
function assertAllowedAddresses(hostname: string, addresses: ResolvedAddress[], policy: NetworkPolicy): void {
  for (const { address } of addresses) {
    const kind = refusedClass(address, policy);
    if (kind) throw restrictedError(kind, `host ${hostname} resolves to ${address} (${kind})`);
  }
}

const defaultResolver: Resolver = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

/** A `net.connect` lookup that resolves through the policy's resolver and refuses restricted answers. */
export function guardedLookup(policy: NetworkPolicy): LookupFunction {
  const resolve = policy.resolve ?? defaultResolver;
  return (hostname, options, callback) => {
    resolve(hostname).then(
      (all) => {
        const addresses = options.family ? all.filter((a) => a.family === options.family) : all;
        const first = addresses[0];
        if (!first) {
          const error = Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
          callback(error, '', 0);
          return;
        }
        try {
          assertAllowedAddresses(hostname, addresses, policy);
        } catch (error) {
          callback(error as Error, '', 0);
          return;
        }
        // Node asks for every address when it races IPv4 and IPv6 (autoSelectFamily).
        if (options.all) (callback as unknown as (e: null, a: ResolvedAddress[]) => void)(null, addresses);
        else callback(null, first.address, first.family);
      },
      (error: Error) => callback(error as NodeJS.ErrnoException, '', 0),
    );
  };
}

type Connector = buildConnector.connector;

/**
 * An undici connector that enforces the policy: IP literals are checked before connecting, names
 * through {@link guardedLookup}, and the connected socket's peer address once more (the address that
 * was actually reached is the one that counts).
 */
export function guardedConnector(policy: NetworkPolicy, options: { timeoutMs?: number } = {}): Connector {
  const connect = buildConnector({
    ...(options.timeoutMs !== undefined && { timeout: options.timeoutMs }),
    lookup: guardedLookup(policy),
  });
  return (target, callback) => {
    const host = target.hostname.replace(/^\[(.*)\]$/, '$1');
    const literal = isIpLiteral(host) ? refusedClass(host, policy) : null;
    if (literal) {
      callback(restrictedError(literal, `address ${host} is ${literal}`), null);
      return;
    }
    connect(target, (error, socket) => {
      if (error || !socket) return callback(error ?? new Error('connect failed'), null);
      const peer = socket.remoteAddress ?? '';
      const kind = refusedClass(peer, policy);
      if (kind) {
        socket.destroy();
        return callback(
          restrictedError(kind, `host ${target.hostname} connected to ${peer} (${kind})`),
          null,
        );
      }
      return callback(null, socket);
    });
  };
}

/** An undici agent whose every connection goes through {@link guardedConnector}. */
export function createGuardedAgent(
  policy: NetworkPolicy,
  options: { connectTimeoutMs?: number; connections?: number; keepAliveTimeoutMs?: number } = {},
): Agent {
  return new Agent({
    connect: guardedConnector(policy, {
      ...(options.connectTimeoutMs !== undefined && { timeoutMs: options.connectTimeoutMs }),
    }),
    ...(options.connections !== undefined && { connections: options.connections }),
    ...(options.keepAliveTimeoutMs !== undefined && { keepAliveTimeout: options.keepAliveTimeoutMs }),
  });
}

/** The refusal somewhere in `error`'s cause chain, if the failure was one. */
export function findRefusal(error: unknown): DestinationRefusedError | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 8 && current; depth++) {
    if (current instanceof DestinationRefusedError) return current;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}
