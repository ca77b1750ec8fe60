/**
 * Which addresses outbound fetches (artifact downloads, remote backends) refuse by default: anything
 * that reaches the host itself, its private networks or a cloud metadata service. Pure: no DNS here;
 * the data plane applies this to every resolved address at connect time, the control plane to IP
 * literals and `localhost` names at registration.
 */
export type RestrictedAddressClass =
  | 'loopback'
  | 'private'
  | 'link-local'
  | 'metadata'
  | 'carrier-grade NAT'
  | 'unspecified'
  | 'multicast'
  | 'reserved';

type Range4 = readonly [base: number, prefix: number, kind: RestrictedAddressClass];

const IPV4_RANGES: readonly Range4[] = [
  [ip4(169, 254, 169, 254), 32, 'metadata'],
  [ip4(100, 100, 100, 200), 32, 'metadata'],
  [ip4(0, 0, 0, 0), 8, 'unspecified'],
  [ip4(10, 0, 0, 0), 8, 'private'],
  [ip4(100, 64, 0, 0), 10, 'carrier-grade NAT'],
  [ip4(127, 0, 0, 0), 8, 'loopback'],
  [ip4(169, 254, 0, 0), 16, 'link-local'],
  [ip4(172, 16, 0, 0), 12, 'private'],
  [ip4(192, 0, 0, 0), 24, 'reserved'],
  [ip4(192, 168, 0, 0), 16, 'private'],
  [ip4(198, 18, 0, 0), 15, 'reserved'],
  [ip4(224, 0, 0, 0), 4, 'multicast'],
  [ip4(240, 0, 0, 0), 4, 'reserved'],
];

function ip4(a: number, b: number, c: number, d: number): number {
  return ((a << 24) | (b << 16) | (c << 8) | d) >>> 0;
}

function classify4(value: number): RestrictedAddressClass | null {
  for (const [base, prefix, kind] of IPV4_RANGES) {
    const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
    if ((value & mask) >>> 0 === base) return kind;
  }
  return null;
}

/** A dotted-quad IPv4 address as a 32-bit number, or null. */
function parse4(text: string): number | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  let value = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part) || Number(part) > 255) return null;
    value = value * 256 + Number(part);
  }
  return value;
}

/** An IPv6 address as eight 16-bit groups (a dotted IPv4 tail allowed), or null. */
function parse6(text: string): number[] | null {
  let body = text.toLowerCase();
  const zone = body.indexOf('%');
  if (zone !== -1) body = body.slice(0, zone);
  const lastColon = body.lastIndexOf(':');
  if (lastColon === -1) return null;
  const last = body.slice(lastColon + 1);
  if (last.includes('.')) {
    const v4 = parse4(last);
    if (v4 === null) return null;
    body = `${body.slice(0, lastColon + 1)}${(v4 >>> 16).toString(16)}:${(v4 & 0xffff).toString(16)}`;
  }
  const halves = body.split('::');
  if (halves.length > 2) return null;
  const groups = (s: string) => (s === '' ? [] : s.split(':'));
  const head = groups(halves[0] ?? '');
  const tail = halves.length === 2 ? groups(halves[1] ?? '') : [];
  const all = [...head, ...tail];
  if (!all.every((g) => /^[0-9a-f]{1,4}$/.test(g))) return null;
  const fill = 8 - all.length;
  if (halves.length === 1 ? fill !== 0 : fill < 1) return null;
  return [...head, ...new Array<string>(fill).fill('0'), ...tail].map((g) => Number.parseInt(g, 16));
}

function classify6(g: number[]): RestrictedAddressClass | null {
  const [g0 = 0, g1 = 0, g2 = 0, g3 = 0, g4 = 0, g5 = 0, g6 = 0, g7 = 0] = g;
  const embedded = () => classify4(((g6 << 16) | g7) >>> 0);
  const zeroTo = (n: number) => g.slice(0, n).every((x) => x === 0);
  if (zeroTo(8)) return 'unspecified';
  if (zeroTo(7) && g7 === 1) return 'loopback';
  // IPv4-mapped (::ffff:a.b.c.d) and IPv4-compatible (::a.b.c.d): the IPv4 address is what is reached.
  if (zeroTo(5) && g5 === 0xffff) return embedded();
  if (zeroTo(6)) return embedded() ?? 'reserved';
  // NAT64 (64:ff9b::/96) reaches the embedded IPv4 address; 64:ff9b:1::/48 is for local use.
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0) return embedded();
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 1) return 'private';
  // 6to4 (2002::/16) carries an IPv4 address in its next 32 bits.
  if (g0 === 0x2002) return classify4(((g1 << 16) | g2) >>> 0);
  if ((g0 & 0xfe00) === 0xfc00) return 'private';
  if ((g0 & 0xffc0) === 0xfe80) return 'link-local';
  if ((g0 & 0xffc0) === 0xfec0) return 'private';
  if ((g0 & 0xff00) === 0xff00) return 'multicast';
  return null;
}

/** The address without the brackets a URL puts around IPv6 hosts. */
function unbracket(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

/** True when `host` (a URL hostname, brackets allowed) is an IPv4 or IPv6 literal. */
export function isIpLiteral(host: string): boolean {
  const bare = unbracket(host);
  return parse4(bare) !== null || (bare.includes(':') && parse6(bare) !== null);
}

/**
 * The class of a restricted address (loopback, private incl. RFC 1918 and ULA fc00::/7, link-local,
 * metadata, carrier-grade NAT 100.64/10, unspecified, multicast, reserved), also through IPv4-mapped,
 * IPv4-compatible, NAT64 and 6to4 IPv6 forms; null for a public address or a non-address.
 */
export function restrictedAddressClass(address: string): RestrictedAddressClass | null {
  const bare = unbracket(address);
  const v4 = parse4(bare);
  if (v4 !== null) return classify4(v4);
  if (!bare.includes(':')) return null;
  const v6 = parse6(bare);
  return v6 === null ? null : classify6(v6);
}

/** `localhost` and its subdomains always resolve to loopback (RFC 6761), whatever DNS says. */
export function isLocalhostName(hostname: string): boolean {
  const name = hostname.toLowerCase().replace(/\.$/, '');
  return name === 'localhost' || name.endsWith('.localhost');
}

/**
 * Why `url` names a restricted destination without resolving it (an IP literal in a restricted range
 * or a `localhost` name), or null. Registration uses this; connect time checks resolved addresses.
 */
export function restrictedLiteralHost(url: URL): RestrictedAddressClass | null {
  if (isLocalhostName(url.hostname)) return 'loopback';
  return restrictedAddressClass(url.hostname);
}
