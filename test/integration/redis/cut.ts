// A TCP proxy in front of the real Redis that loses one answer: once armed with a text, the next
// command carrying it goes through to Redis and runs, and its answer is dropped with the connection
// (both sockets closed), as when a connection drops after a command ran and before its answer is read.
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import net from 'node:net';

/**
 * The SHA1 bottleneck's IORedisConnection sends with EVALSHA for its script `name` (e.g. 'register'):
 * ioredis sends the whole script (EVAL) the first time a connection runs it (a reconnected one too), so
 * run it once on the connection before cutting.
 */
export function bottleneckSha(name: string): string {
  const scripts = createRequire(import.meta.url)('bottleneck/lib/Scripts.js') as { payload(name: string): string };
  return createHash('sha1').update(scripts.payload(name)).digest('hex');
}

export async function cutProxy(redisUrl: string) {
  const target = new URL(redisUrl);
  let armed: string | undefined;
  let cuts = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const redis = net.connect(Number(target.port || 6379), target.hostname);
    let drop = false;
    for (const s of [client, redis]) {
      sockets.add(s);
      s.on('error', () => {});
      s.on('close', () => (sockets.delete(s), client.destroy(), redis.destroy()));
    }
    client.on('data', (d) => {
      if (armed && d.toString('latin1').includes(armed)) [drop, armed, cuts] = [true, undefined, cuts + 1];
      redis.write(d);
    });
    redis.on('data', (d) => (drop ? (client.destroy(), redis.destroy()) : client.write(d)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    /** The next command carrying `text` runs on Redis; its answer is lost with the connection. */
    cut(text: string) {
      armed = text;
    },
    get cuts() {
      return cuts;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
