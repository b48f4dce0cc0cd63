/**
 * Which URLs an outbound webhook may go to (API.md: 422 `UNSAFE_URL`). Pure: the
 * address rules here; the DNS look-ups that apply them at registration and again at
 * each connection live in adapters/webhook-sender.ts.
 *
 * Never a private, loopback, link-local, metadata or otherwise special address: a
 * webhook URL is chosen by whoever holds an ops token, and an order system's network
 * position must not be lent out to reach the cloud's metadata service or a database.
 */
import { BlockList, isIP } from 'node:net';

const forbidden = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8], // "this network"
  ['10.0.0.0', 8], // private
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local, including 169.254.169.254 (EC2, ECS and Lambda metadata)
  ['172.16.0.0', 12], // private
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // documentation
  ['192.168.0.0', 16], // private
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // documentation
  ['203.0.113.0', 24], // documentation
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
] as const) {
  forbidden.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128], // unspecified
  ['::1', 128], // loopback
  ['64:ff9b::', 96], // NAT64 (reaches IPv4 inside)
  ['100::', 64], // discard
  ['2001:db8::', 32], // documentation
  ['fc00::', 7], // unique local, including fd00:ec2::254 (EC2 metadata over IPv6)
  ['fe80::', 10], // link-local
  ['ff00::', 8], // multicast
] as const) {
  forbidden.addSubnet(network, prefix, 'ipv6');
}

/** An IPv4 address written inside IPv6 (`::ffff:10.0.0.1`, `::10.0.0.1`): judged as the IPv4 it is. */
function embeddedIpv4(address: string): string | null {
  const dotted = /^::(?:ffff(?::0{1,4})?:)?(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  if (dotted) return dotted[1]!;
  const hex = /^::(?:ffff(?::0{1,4})?:)?([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(address);
  if (!hex) return null;
  const high = parseInt(hex[1]!, 16);
  const low = parseInt(hex[2]!, 16);
  return [high >> 8, high & 255, low >> 8, low & 255].join('.');
}

/** Is this IP address one a webhook must never reach? */
export function isForbiddenAddress(address: string): boolean {
  const bare = address.replace(/^\[|\]$/g, '');
  const family = isIP(bare);
  if (family === 4) return forbidden.check(bare, 'ipv4');
  if (family === 6) {
    const inner = embeddedIpv4(bare);
    return inner ? forbidden.check(inner, 'ipv4') : forbidden.check(bare, 'ipv6');
  }
  return true;
}

export interface UrlRules {
  /** The local stack only: `http://127.0.0.1:<port>/...` is allowed, so that tests can receive. */
  allowLocalReceivers: boolean;
}

/** The local stack's one exception (API.md): plain HTTP to this machine on an explicit port. */
export function isLocalReceiver(url: URL, rules: UrlRules): boolean {
  return rules.allowLocalReceivers && url.protocol === 'http:' && url.hostname === '127.0.0.1' && url.port !== '';
}

/**
 * Why a URL may not be an endpoint (before any DNS look-up), or null. The host name,
 * if not an address, still has to resolve only to allowed addresses.
 */
export function urlProblem(raw: string, rules: UrlRules): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'is not a URL';
  }
  if (url.username || url.password) return 'must not carry credentials';
  if (isLocalReceiver(url, rules)) return null;
  if (url.protocol !== 'https:') return 'must use https';
  // The WHATWG parser has already turned 2130706433, 0x7f.1 and the like into dotted addresses.
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host)) return isForbiddenAddress(host) ? `points at a forbidden address (${host})` : null;
  if (!host.includes('.') || /\.(localhost|local|internal|localdomain)$/i.test(host) || /^localhost$/i.test(host)) return `names a host that is not public (${host})`;
  return null;
}
