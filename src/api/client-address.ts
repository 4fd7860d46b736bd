import type { IncomingHttpHeaders } from 'node:http';
import { isIP } from 'node:net';
import { addressForCheck, addressList } from '../domain/address-list.js';

/** What the client's address is read from: a Koa context or a Node request (both have these). */
export interface AddressSource {
  socket: { remoteAddress?: string | undefined };
  headers: IncomingHttpHeaders;
}

/**
 * The client's address, for the limits kept per address: the TCP peer; or, where the peer is one of
 * `trusted_proxies`, the address that proxy says it served — `X-Forwarded-For` read from its right
 * end past every trusted proxy, the first address that is not one. Entries to its left are the
 * client's own to write, so they are never believed; without trusted proxies the header is ignored.
 */
export function clientAddressOf(trustedProxies: readonly string[]): (source: AddressSource) => string {
  const peerOf = (source: AddressSource) => source.socket.remoteAddress ?? '';
  if (trustedProxies.length === 0) return peerOf;
  const trusted = addressList(trustedProxies, 'trusted_proxies');
  const isTrusted = (address: string) => {
    const { address: plain, family } = addressForCheck(address);
    return trusted.check(plain, family);
  };
  return (source) => {
    let client = peerOf(source);
    if (!isTrusted(client)) return client;
    const forwarded = source.headers['x-forwarded-for'];
    const hops = (Array.isArray(forwarded) ? forwarded.join(',') : (forwarded ?? '')).split(',');
    for (let index = hops.length - 1; index >= 0; index--) {
      const hop = hops[index]!.trim();
      // not an address (a port, a name, `unknown`): the last address this proxy chain vouches for stands
      if (!isIP(hop)) return client;
      client = hop;
      if (!isTrusted(hop)) return hop;
    }
    return client;
  };
}
