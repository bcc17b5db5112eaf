import ipaddr from 'ipaddr.js';

/**
 * Which IP addresses a delivery may connect to (docs/design.md §6, SSRF). Judged on the address the socket
 * actually connects to, never on the host name in the URL.
 *
 * Fail closed: an address ipaddr.js cannot parse, or a range it names that is not listed as
 * public below, is blocked. IPv6 forms that carry an IPv4 address (mapped, compatible, SIIT,
 * NAT64, 6to4, Teredo) are judged by that embedded address, because the packets end up there.
 */

/** ipaddr.js range names of globally reachable IPv4 addresses (IANA special-purpose registry). */
const PUBLIC_V4_RANGES: ReadonlySet<string> = new Set(['unicast', 'as112', 'amt']);
/** The same for IPv6; everything else (loopback, uniqueLocal, linkLocal, reserved, …) is blocked. */
const PUBLIC_V6_RANGES: ReadonlySet<string> = new Set([
  'unicast',
  'amt',
  'as112v6',
  'orchid2',
  'droneRemoteIdProtocolEntityTags',
]);

/** Cloud instance-metadata endpoints, named separately so logs make the attempt obvious. */
const METADATA_ADDRESSES: ReadonlySet<string> = new Set([
  '169.254.169.254', // AWS, GCP, Azure, OpenStack
  '169.254.170.2', // AWS ECS task metadata
  '100.100.100.200', // Alibaba Cloud
  'fd00:ec2:0:0:0:0:0:254', // AWS IMDS over IPv6 (normalized form)
]);

/** 2000::/3 is the only IPv6 space allocated for global unicast; the rest is unassigned. */
const GLOBAL_UNICAST_V6 = ipaddr.parseCIDR('2000::/3') as [ipaddr.IPv6, number];
/** Local-use NAT64 prefix (RFC 8215): where the IPv4 part sits depends on the site's prefix length. */
const LOCAL_NAT64_V6 = ipaddr.parseCIDR('64:ff9b:1::/48') as [ipaddr.IPv6, number];

function v4FromBytes(bytes: number[]): ipaddr.IPv4 {
  return new ipaddr.IPv4(bytes.slice(0, 4));
}

function v4Reason(address: ipaddr.IPv4): string | null {
  if (METADATA_ADDRESSES.has(address.toString())) return 'cloud metadata';
  const range = address.range();
  return PUBLIC_V4_RANGES.has(range) ? null : range;
}

/**
 * Judges an IPv6 address by the IPv4 address it carries, naming the carrier in the reason, and that
 * address too unless `showAddress` is false.
 */
function embedded(form: string, v4: ipaddr.IPv4, showAddress: boolean): string | null {
  const inner = v4Reason(v4);
  if (inner === null) return null;
  return showAddress ? `${form} ${v4.toString()} (${inner})` : `${form}, ${inner}`;
}

function v6Reason(address: ipaddr.IPv6, showAddress: boolean): string | null {
  const normalized = address.toNormalizedString();
  if (METADATA_ADDRESSES.has(normalized)) return 'cloud metadata';
  const bytes = address.toByteArray();
  const range = address.range();
  switch (range) {
    case 'ipv4Mapped':
      return embedded('IPv4-mapped', address.toIPv4Address(), showAddress);
    case 'rfc6145':
      return embedded('IPv4-translated', v4FromBytes(bytes.slice(12)), showAddress);
    case 'rfc6052':
      if (address.match(LOCAL_NAT64_V6)) return 'local-use NAT64';
      return embedded('NAT64', v4FromBytes(bytes.slice(12)), showAddress);
    case '6to4':
      return embedded('6to4', v4FromBytes(bytes.slice(2, 6)), showAddress);
    case 'teredo': {
      // Teredo: server IPv4 in bits 32–63, client IPv4 bit-inverted in the last 32 bits.
      const server = embedded('Teredo server', v4FromBytes(bytes.slice(4, 8)), showAddress);
      const client = embedded('Teredo client', v4FromBytes(bytes.slice(12, 16).map((b) => b ^ 0xff)), showAddress);
      return server ?? client;
    }
    case 'unspecified':
    case 'loopback':
      return range;
  }
  // IPv4-compatible (::a.b.c.d, deprecated): the first 96 bits are zero.
  if (bytes.slice(0, 12).every((b) => b === 0))
    return embedded('IPv4-compatible', v4FromBytes(bytes.slice(12)), showAddress);
  if (!PUBLIC_V6_RANGES.has(range)) return range;
  if (!address.match(GLOBAL_UNICAST_V6)) return 'unassigned';
  return null;
}

/**
 * Why `ip` must not be connected to, as a short phrase for logs (`loopback`, `private`,
 * `IPv4-mapped 127.0.0.1 (loopback)`, `cloud metadata`…), or `null` when it is a public address.
 * Accepts bracketed IPv6 and zone ids (`[fe80::1%eth0]`).
 */
export function blockedAddressReason(ip: string): string | null {
  return judge(ip, true);
}

/**
 * The reason without any address in it (`loopback`, `IPv4-mapped, private`), or `null` for a public
 * address: what an API reader is told. The address a name resolved to is the operator's to know (it
 * maps the internal network), not the caller's.
 */
export function blockedAddressKind(ip: string): string | null {
  return judge(ip, false);
}

function judge(ip: string, showAddress: boolean): string | null {
  let text = ip.trim();
  if (text.startsWith('[') && text.endsWith(']')) text = text.slice(1, -1);
  if (!ipaddr.isValid(text)) return 'not an IP address';
  const address = ipaddr.parse(text);
  return address.kind() === 'ipv4' ? v4Reason(address as ipaddr.IPv4) : v6Reason(address as ipaddr.IPv6, showAddress);
}

/** True when `ip` is loopback, private, link-local, metadata, CGNAT, unique-local, multicast, … */
export function isBlockedAddress(ip: string): boolean {
  return blockedAddressReason(ip) !== null;
}
