import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { addressForCheck, parseAddressEntry, type AddressEntry } from '../domain/address-list.js';
import { AppError, ErrorCode } from '../errors.js';

/** The first this many bytes of an answer are read; the rest is dropped with the connection. */
export const OUTBOUND_BODY_CAP_BYTES = 64 * 1024;

/** What a plugin gets back: the status and the start of the body, never more than the cap. */
export interface OutboundResponse {
  status: number;
  ok: boolean;
  body: string;
}

/** The one way out for webhooks and notifiers: destinations checked, no redirects, answers capped. */
export interface OutboundHttp {
  post(url: string | URL, options: { headers?: Record<string, string>; body: string; timeoutMs?: number }): Promise<OutboundResponse>;
  /** Throws an AppError (422) naming why a destination is refused; resolves the host name to check it. */
  check(url: string | URL): Promise<void>;
}

/** Loopback, link-local, private (RFC 1918, CGNAT), ULA, multicast and unspecified: refused unless allowed. */
const BLOCKED = (() => {
  const list = new BlockList();
  for (const [net, prefix] of [
    ['0.0.0.0', 8],
    ['10.0.0.0', 8],
    ['100.64.0.0', 10],
    ['127.0.0.0', 8],
    ['169.254.0.0', 16],
    ['172.16.0.0', 12],
    ['192.0.0.0', 24],
    ['192.168.0.0', 16],
    ['198.18.0.0', 15],
    ['224.0.0.0', 4],
    ['240.0.0.0', 4],
  ] as const)
    list.addSubnet(net, prefix, 'ipv4');
  for (const [net, prefix] of [
    ['::', 128],
    ['::1', 128],
    ['fc00::', 7],
    ['fe80::', 10],
    ['ff00::', 8],
    ['64:ff9b::', 96],
    ['2002::', 16],
  ] as const)
    list.addSubnet(net, prefix, 'ipv6');
  return list;
})();

export interface OutboundPolicy {
  /** CIDRs (`10.0.0.0/8`, `::1/128`), addresses or host names (`hooks.internal`) let through although private. */
  allow: readonly string[];
}

/** Parses `outbound_allow`; a malformed CIDR is a configuration error. */
export function parseOutboundAllow(entries: readonly string[]): { addresses: BlockList; hosts: Set<string> } {
  const addresses = new BlockList();
  const hosts = new Set<string>();
  for (const raw of entries) {
    const entry = raw.trim().toLowerCase();
    if (!entry) continue;
    let parsed: AddressEntry | null;
    try {
      parsed = parseAddressEntry(raw, 'outbound_allow');
    } catch (error) {
      throw new AppError(ErrorCode.Config, `Configuration error: ${(error as Error).message}`);
    }
    if (parsed) {
      addresses.addSubnet(parsed.address, parsed.bits, parsed.family);
      continue;
    }
    if (entry.includes('/') || !/^[a-z0-9.-]+$/.test(entry))
      throw new AppError(ErrorCode.Config, `Configuration error: outbound_allow entry '${raw}' is neither a CIDR, an address nor a host name`);
    hosts.add(entry);
  }
  return { addresses, hosts };
}

export function createOutboundHttp(policy: OutboundPolicy): OutboundHttp {
  const allowed = parseOutboundAllow(policy.allow);
  const refusal = (host: string, address: string): string | null => {
    if (allowed.hosts.has(host.toLowerCase())) return null;
    const { address: plain, family } = addressForCheck(address);
    if (allowed.addresses.check(plain, family)) return null;
    return BLOCKED.check(plain, family)
      ? `the destination ${host} (${plain}) is a loopback, link-local, private or multicast address; allow it with outbound_allow`
      : null;
  };
  // checked where the connection is made: the address connected to is the one checked (no DNS rebinding)
  const guardedLookup: LookupFunction = (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, '', 0);
      const list = addresses as unknown as LookupAddress[];
      const refused = list.map((entry) => refusal(hostname, entry.address)).find((reason) => reason !== null);
      if (refused) return callback(Object.assign(new Error(refused), { code: 'EDESTINATIONREFUSED' }), '', 0);
      if ((options as { all?: boolean }).all) return (callback as unknown as (error: null, addresses: LookupAddress[]) => void)(null, list);
      callback(null, list[0]!.address, list[0]!.family);
    });
  };
  const parse = (url: string | URL): URL => {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new AppError(ErrorCode.Validation, `'${String(url).slice(0, 100)}' is not a URL`);
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new AppError(ErrorCode.Validation, 'only http and https URLs');
    return parsed;
  };
  const literalRefusal = (url: URL): string | null => {
    const host = url.hostname.replace(/^\[|\]$/g, '');
    return isIP(host) ? refusal(host, host) : null;
  };

  return {
    async check(url) {
      const parsed = parse(url);
      const literal = literalRefusal(parsed);
      if (literal) throw new AppError(ErrorCode.Validation, literal);
      await new Promise<void>((resolve, reject) => {
        guardedLookup(parsed.hostname.replace(/^\[|\]$/g, ''), {}, (error) => {
          if (!error) return resolve();
          const code = (error as NodeJS.ErrnoException).code;
          reject(
            new AppError(
              ErrorCode.Validation,
              code === 'EDESTINATIONREFUSED' ? error.message : `the host ${parsed.hostname} does not resolve (${code ?? error.message})`,
            ),
          );
        });
      });
    },

    post(url, options) {
      const parsed = parse(url);
      const literal = literalRefusal(parsed);
      if (literal) return Promise.reject(Object.assign(new Error(literal), { code: 'EDESTINATIONREFUSED' }));
      return new Promise<OutboundResponse>((resolve, reject) => {
        const send = parsed.protocol === 'https:' ? httpsRequest : httpRequest;
        const request = send(
          parsed,
          {
            method: 'POST',
            headers: { ...options.headers, 'content-length': String(Buffer.byteLength(options.body)) },
            lookup: guardedLookup,
            timeout: options.timeoutMs ?? 10_000,
          },
          (response: IncomingMessage) => {
            const chunks: Buffer[] = [];
            let size = 0;
            const finish = () => {
              const body = Buffer.concat(chunks).subarray(0, OUTBOUND_BODY_CAP_BYTES).toString('utf8');
              const status = response.statusCode ?? 0;
              resolve({ status, ok: status >= 200 && status < 300, body });
            };
            response.on('data', (chunk: Buffer) => {
              if (size >= OUTBOUND_BODY_CAP_BYTES) return;
              chunks.push(chunk);
              size += chunk.length;
              if (size >= OUTBOUND_BODY_CAP_BYTES) {
                finish();
                response.destroy();
              }
            });
            response.on('end', finish);
            response.on('error', () => finish());
          },
        );
        request.on('timeout', () => request.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })));
        request.on('error', reject);
        request.end(options.body);
      });
    },
  };
}

/** What a failed delivery reports: the refusal in words, else the error code (ECONNREFUSED, ETIMEDOUT…). */
export function outboundFailure(error: unknown): string {
  const { code, message, cause } = error as { code?: string; message?: string; cause?: { code?: string } };
  if (code === 'EDESTINATIONREFUSED') return message ?? code;
  return code ?? cause?.code ?? message ?? String(error);
}

/** A capped answer's body as JSON, or `{}` when it is not (or was cut). */
export function parseJson(body: string): unknown {
  try {
    return JSON.parse(body) ?? {};
  } catch {
    return {};
  }
}
