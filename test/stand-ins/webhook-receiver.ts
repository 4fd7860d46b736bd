import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedEvent {
  event: string;
  eventId: string;
  body: any;
  signatureValid: boolean | null;
}

/**
 * A webhook receiver on 127.0.0.1 that verifies trainer's signature the way README tells receivers
 * to, and can refuse the first N requests (answering 503) to exercise retries.
 */
export async function startWebhookReceiver(options: { secret?: string; failFirst?: number } = {}) {
  const received: ReceivedEvent[] = [];
  let refusals = options.failFirst ?? 0;
  let requests = 0;
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk) => chunks.push(chunk));
    request.on('end', () => {
      requests++;
      if (refusals > 0) {
        refusals--;
        response.writeHead(503).end('not now');
        return;
      }
      const raw = Buffer.concat(chunks).toString('utf8');
      let signatureValid: boolean | null = null;
      if (options.secret) {
        const expected = Buffer.from('sha256=' + createHmac('sha256', options.secret).update(`${request.headers['x-trainer-timestamp']}.${raw}`).digest('hex'));
        const given = Buffer.from(String(request.headers['x-trainer-signature'] ?? ''));
        signatureValid = expected.length === given.length && timingSafeEqual(expected, given);
      }
      received.push({
        event: String(request.headers['x-trainer-event']),
        eventId: String(request.headers['x-trainer-event-id']),
        body: JSON.parse(raw),
        signatureValid,
      });
      response.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    received,
    requests: () => requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
