import { describe, expect, it } from 'vitest';
import { isIpLiteral, restrictedAddressClass, restrictedLiteralHost } from './network.ts';

// Expected classes come from the IANA special-purpose address registries (RFC 6890 and successors).
describe('restrictedAddressClass', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['169.254.169.254', 'metadata'],
    ['100.100.100.200', 'metadata'],
    ['169.254.1.1', 'link-local'],
    ['100.64.0.1', 'carrier-grade NAT'],
    ['100.127.255.255', 'carrier-grade NAT'],
    ['0.0.0.0', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['255.255.255.255', 'reserved'],
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['[::1]', 'loopback'],
    ['0:0:0:0:0:0:0:1', 'loopback'],
    ['fc00::1', 'private'],
    ['fd12:3456::1', 'private'],
    ['fd00:ec2::254', 'private'],
    ['fe80::1%eth0', 'link-local'],
    ['febf::1', 'link-local'],
    ['ff02::1', 'multicast'],
    // IPv4-mapped and -compatible forms reach the IPv4 address.
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::FFFF:A9FE:A9FE', 'metadata'],
    ['::ffff:10.0.0.1', 'private'],
    ['::127.0.0.1', 'loopback'],
    ['64:ff9b::a9fe:a9fe', 'metadata'],
    ['2002:c0a8:0101::1', 'private'],
  ])('%s is %s', (address, kind) => {
    expect(restrictedAddressClass(address)).toBe(kind);
  });

  it.each([
    '8.8.8.8',
    '1.1.1.1',
    '172.32.0.1',
    '100.128.0.1',
    '169.255.0.1',
    '2606:4700:4700::1111',
    '::ffff:8.8.8.8',
    '2002:0808:0808::1',
    'example.com',
    '1.2.3',
    '1.2.3.256',
    '::ffff:1.2.3.4.5',
    '1:2:3:4:5:6:7:8:9',
    '1::2::3',
  ])('%s is not restricted', (address) => {
    expect(restrictedAddressClass(address)).toBeNull();
  });
});

describe('restrictedLiteralHost', () => {
  it.each([
    ['http://localhost:8000/v2', 'loopback'],
    ['http://api.localhost./', 'loopback'],
    ['http://169.254.169.254/latest/meta-data/', 'metadata'],
    // WHATWG URL normalises decimal, hex and short IPv4 spellings before we see them.
    ['http://2130706433/', 'loopback'],
    ['http://0x7f.1/', 'loopback'],
    ['http://[::ffff:127.0.0.1]:8080/', 'loopback'],
    ['http://models.internal/', null],
    ['https://8.8.8.8/', null],
  ])('%s -> %s', (url, kind) => {
    expect(restrictedLiteralHost(new URL(url))).toBe(kind);
  });

  it('tells IP literals from names', () => {
    expect(isIpLiteral('[::1]')).toBe(true);
    expect(isIpLiteral('10.0.0.1')).toBe(true);
    expect(isIpLiteral('models.internal')).toBe(false);
  });
});
