import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_KEY, removeDir, waitFor } from '../helpers/agent-harness.js';
import { rawExchange } from '../helpers/raw-http.js';
import { spawnAgentProcess, stopGracefully, type AgentProcess } from '../helpers/agent-process.js';
import { APP_ID, DISCORD_TOKEN, startDiscordPlatform } from '../stand-ins/discord-platform.js';
import { SLACK_BOT_TOKEN, startSlackPlatform } from '../stand-ins/slack-platform.js';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const upgrade = (path: string) =>
  `GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`;

/** Issue 14 findings 1, 2 and 4: one request, no key (or any key), used to end the agent process. */
describe('raw listeners outside Koa do not crash the agent', () => {
  let agent: AgentProcess;
  let dataDir: string;
  let slack: Awaited<ReturnType<typeof startSlackPlatform>>;
  let discord: Awaited<ReturnType<typeof startDiscordPlatform>>;
  let slackUrl: string;
  let discordUrl: string;

  const alive = async () => {
    expect(agent.child.exitCode).toBeNull();
    expect(agent.child.signalCode).toBeNull();
    expect((await agent.api('GET', '/health')).status).toBe(200);
  };

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'trainer-crash-'));
    slack = await startSlackPlatform();
    discord = await startDiscordPlatform();
    const [slackPort, discordPort] = [await freePort(), await freePort()];
    const publicKey = generateKeyPairSync('ed25519').publicKey.export({ format: 'der', type: 'spki' }).subarray(-32).toString('hex');
    agent = await spawnAgentProcess(dataDir, {
      SLACK_BOT_TOKEN,
      SLACK_SIGNING_SECRET: 'secret',
      SLACK_MODE: 'http',
      SLACK_HTTP_HOST: '127.0.0.1',
      SLACK_HTTP_PORT: String(slackPort),
      SLACK_API_URL: slack.apiUrl,
      SLACK_API_RETRIES: '0',
      DISCORD_TOKEN,
      DISCORD_API_URL: discord.apiUrl,
      DISCORD_MODE: 'http',
      DISCORD_PUBLIC_KEY: publicKey,
      DISCORD_APPLICATION_ID: APP_ID,
      DISCORD_HTTP_HOST: '127.0.0.1',
      DISCORD_HTTP_PORT: String(discordPort),
    });
    slackUrl = `http://127.0.0.1:${slackPort}`;
    discordUrl = `http://127.0.0.1:${discordPort}`;
    // the Slack receiver is handed requests once Bolt has booted against the stand-in
    await waitFor(
      async () =>
        !(await rawExchange(slackUrl, 'POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n')).startsWith('HTTP/1.1 503'),
      'the Slack receiver',
    );
  });
  afterAll(async () => {
    if (agent) await stopGracefully(agent);
    await slack?.close();
    await discord?.close();
    await removeDir(dataDir);
  });

  it('a WebSocket upgrade whose URL does not parse (GET //[) is answered 400, no key needed', async () => {
    const answer = await rawExchange(agent.url, upgrade('//['));
    expect(answer).toMatch(/^HTTP\/1\.1 4\d\d /);
    await alive();
  });

  it('a malformed percent-encoding in a WebSocket path with a valid key is answered 400', async () => {
    const answer = await rawExchange(agent.url, upgrade(`/api/v1/ws/training/%E0%A4%A?api_key=${API_KEY}`));
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    await alive();
  });

  it('any other request to the Slack HTTP port (GET / with a timestamp) is answered 4xx', async () => {
    const now = Math.floor(Date.now() / 1000);
    const answer = await rawExchange(slackUrl, `GET / HTTP/1.1\r\nHost: x\r\nX-Slack-Request-Timestamp: ${now}\r\nConnection: close\r\n\r\n`);
    expect(answer).toMatch(/^HTTP\/1\.1 4\d\d /);
    for (const path of ['//[', '/slack/events/%E0%A4%A', '/slack/../x']) {
      expect(await rawExchange(slackUrl, `PUT ${path} HTTP/1.1\r\nHost: x\r\nX-Slack-Request-Timestamp: ${now}\r\nConnection: close\r\n\r\n`)).toMatch(
        /^HTTP\/1\.1 4\d\d /,
      );
    }
    await alive();
  });

  it('malformed requests to the Discord HTTP port are answered 4xx', async () => {
    for (const request of [
      'GET //[ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
      'POST /discord/interactions HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nConnection: close\r\n\r\n{"a":',
      'BREW / HTTP/9.9\r\n\r\n',
    ]) {
      expect(await rawExchange(discordUrl, request)).toMatch(/^HTTP\/1\.1 4\d\d /);
    }
    await alive();
  });

  it('malformed HTTP on the API port (bad request line, header overflow) is answered 4xx and the agent stays up', async () => {
    expect(await rawExchange(agent.url, 'GET / HTTP/1.1\r\nHost x\r\n\r\n')).toMatch(/^HTTP\/1\.1 400 /);
    expect(await rawExchange(agent.url, `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`)).toMatch(/^HTTP\/1\.1 431 /);
    await alive();
  });
});
