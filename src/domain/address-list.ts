import { BlockList, isIP } from 'node:net';

export interface AddressEntry {
  address: string;
  bits: number;
  family: 'ipv4' | 'ipv6';
}

/**
 * One entry of an address setting: a CIDR (`10.0.0.0/8`, `::1/128`) or a single address; `null` when it
 * is not an address at all (a host name, for settings that take those). A bad prefix length throws,
 * naming the setting.
 */
export function parseAddressEntry(raw: string, setting: string): AddressEntry | null {
  const entry = raw.trim().toLowerCase();
  const [address, prefix] = entry.split('/') as [string, string | undefined];
  const family = isIP(address);
  if (family === 0) return null;
  const bits = prefix === undefined ? (family === 4 ? 32 : 128) : Number(prefix);
  if (!/^\d+$/.test(prefix ?? '0') || !Number.isInteger(bits) || bits < 0 || bits > (family === 4 ? 32 : 128))
    throw new Error(`${setting} entry '${raw}' has a bad prefix length`);
  return { address, bits, family: family === 4 ? 'ipv4' : 'ipv6' };
}

/** An address as a BlockList checks it: the IPv4 address inside `::ffff:a.b.c.d`, so that v4 rules apply. */
export function addressForCheck(address: string): { address: string; family: 'ipv4' | 'ipv6' } {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return { address: mapped[1]!, family: 'ipv4' };
  return { address, family: isIP(address) === 6 ? 'ipv6' : 'ipv4' };
}

/** A list of CIDRs and addresses (every entry must be one; a host name throws, naming the setting). */
export function addressList(entries: readonly string[], setting: string): BlockList {
  const list = new BlockList();
  for (const raw of entries) {
    if (!raw.trim()) continue;
    const entry = parseAddressEntry(raw, setting);
    if (!entry) throw new Error(`${setting} entry '${raw}' is neither a CIDR nor an address`);
    list.addSubnet(entry.address, entry.bits, entry.family);
  }
  return list;
}
