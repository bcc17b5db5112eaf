import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { blockedAddressKind, blockedAddressReason, isBlockedAddress } from '../../src/adapters/http/address-policy.js';

const blocked: Array<[string, string]> = [
  ['127.0.0.1', 'loopback'],
  ['127.255.255.254', 'loopback'],
  ['0.0.0.0', 'unspecified'],
  ['0.1.2.3', 'unspecified (0.0.0.0/8)'],
  ['10.0.0.1', 'RFC 1918'],
  ['172.16.0.1', 'RFC 1918'],
  ['172.31.255.255', 'RFC 1918'],
  ['192.168.1.1', 'RFC 1918'],
  ['169.254.0.1', 'link-local'],
  ['169.254.169.254', 'cloud metadata'],
  ['100.64.0.1', 'CGNAT'],
  ['100.127.255.255', 'CGNAT'],
  ['224.0.0.1', 'multicast'],
  ['239.255.255.250', 'multicast'],
  ['255.255.255.255', 'broadcast'],
  ['240.0.0.1', 'reserved'],
  ['192.0.2.10', 'documentation (TEST-NET-1)'],
  ['198.18.0.1', 'benchmarking'],
  ['::', 'IPv6 unspecified'],
  ['::1', 'IPv6 loopback'],
  ['[::1]', 'bracketed IPv6 loopback'],
  ['fe80::1', 'IPv6 link-local'],
  ['fe80::1%eth0', 'IPv6 link-local with zone id'],
  ['febf::1', 'top of fe80::/10'],
  ['fc00::1', 'unique-local'],
  ['fd12:3456:789a::1', 'unique-local'],
  ['fd00:ec2::254', 'AWS IMDS over IPv6'],
  ['ff02::1', 'IPv6 multicast'],
  ['::ffff:127.0.0.1', 'IPv4-mapped loopback'],
  ['::ffff:7f00:1', 'IPv4-mapped loopback, hex form'],
  ['::ffff:10.0.0.1', 'IPv4-mapped private'],
  ['::ffff:169.254.169.254', 'IPv4-mapped metadata'],
  ['::ffff:0:127.0.0.1', 'IPv4-translated (SIIT) loopback'],
  ['::127.0.0.1', 'IPv4-compatible loopback'],
  ['::7f00:1', 'IPv4-compatible loopback, hex form'],
  ['64:ff9b::127.0.0.1', 'NAT64 loopback'],
  ['64:ff9b::a9fe:a9fe', 'NAT64 metadata'],
  ['64:ff9b:1::1', 'local-use NAT64'],
  ['2002:7f00:1::', '6to4 loopback'],
  ['2002:c0a8:101::1', '6to4 of 192.168.1.1'],
  ['2001:db8::1', 'IPv6 documentation'],
  ['fec0::1', 'deprecated site-local'],
  ['100::1', 'discard-only'],
  ['4000::1', 'outside 2000::/3'],
  ['not-an-ip', 'unparseable'],
  ['', 'empty'],
];

const allowed: Array<[string, string]> = [
  ['93.184.216.34', 'public IPv4'],
  ['8.8.8.8', 'public IPv4'],
  ['1.1.1.1', 'public IPv4'],
  ['172.32.0.1', 'just above 172.16/12'],
  ['100.128.0.1', 'just above CGNAT'],
  ['169.255.0.1', 'just above link-local'],
  ['11.0.0.1', 'just above 10/8'],
  ['2606:4700::1111', 'public IPv6'],
  ['2a00:1450:4001:80b::200e', 'public IPv6'],
  ['::ffff:93.184.216.34', 'IPv4-mapped public'],
  ['64:ff9b::8.8.8.8', 'NAT64 of a public address'],
  ['2002:5db8:d822::1', '6to4 of 93.184.216.34'],
];

describe('address policy', () => {
  it.each(blocked)('blocks %s (%s)', (ip) => {
    expect(isBlockedAddress(ip)).toBe(true);
    expect(blockedAddressReason(ip)).toEqual(expect.any(String));
  });

  it.each(allowed)('allows %s (%s)', (ip) => {
    expect(blockedAddressReason(ip)).toBeNull();
    expect(isBlockedAddress(ip)).toBe(false);
  });

  it('names the reason, including the embedded address of an IPv6 form', () => {
    expect(blockedAddressReason('127.0.0.1')).toBe('loopback');
    expect(blockedAddressReason('10.1.2.3')).toBe('private');
    expect(blockedAddressReason('169.254.169.254')).toBe('cloud metadata');
    expect(blockedAddressReason('fd00:ec2::254')).toBe('cloud metadata');
    expect(blockedAddressReason('::ffff:7f00:1')).toBe('IPv4-mapped 127.0.0.1 (loopback)');
    expect(blockedAddressReason('2002:c0a8:101::1')).toBe('6to4 192.168.1.1 (private)');
  });

  it('names the kind of a blocked address without any address in it, for readers who must not learn one', () => {
    expect(blockedAddressKind('127.0.0.1')).toBe('loopback');
    expect(blockedAddressKind('10.1.2.3')).toBe('private');
    expect(blockedAddressKind('169.254.169.254')).toBe('cloud metadata');
    expect(blockedAddressKind('::ffff:7f00:1')).toBe('IPv4-mapped, loopback');
    expect(blockedAddressKind('2002:c0a8:101::1')).toBe('6to4, private');
    expect(blockedAddressKind('2001:0:4136:e378:8000:63bf:f5ff:fffe')).toBe('Teredo client, private');
    expect(blockedAddressKind('93.184.216.34')).toBeNull();
    for (const [ip] of blocked) {
      const kind = blockedAddressKind(ip) as string;
      expect(kind, ip).toEqual(expect.any(String));
      expect(kind, ip).not.toMatch(/\d+\.\d+\.\d+\.\d+|[0-9a-f]*:[0-9a-f]*:/i);
    }
  });

  it('blocks every address in 10/8, 127/8 and 192.168/16, plain and IPv4-mapped', () => {
    const octet = fc.integer({ min: 0, max: 255 });
    const privateV4 = fc.oneof(
      fc.tuple(fc.constant(10), octet, octet, octet),
      fc.tuple(fc.constant(127), octet, octet, octet),
      fc.tuple(fc.constant(192), fc.constant(168), octet, octet),
    );
    fc.assert(
      fc.property(privateV4, (parts) => {
        const dotted = parts.join('.');
        expect(isBlockedAddress(dotted)).toBe(true);
        expect(isBlockedAddress(`::ffff:${dotted}`)).toBe(true);
        const [a, b, c, d] = parts as [number, number, number, number];
        const hex = `::ffff:${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
        expect(isBlockedAddress(hex)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });
});
