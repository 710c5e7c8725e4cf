/**
 * Looking for a secret where it must not be: the forms a planted value can take (plain, base64 at
 * any alignment inside a longer base64 text), and every key and value of a Redis database read
 * by its type, gzip-compressed values read decompressed too.
 */
import { gunzipSync } from 'node:zlib';
import { Redis } from 'ioredis';

/** A value planted by a test, in the forms it may be found in. */
export interface Needle {
  /** What it is, for failure messages (never the value itself). */
  readonly label: string;
  readonly text: string;
}

/**
 * The forms of `value`: as it is, its base64 (as a Secret's `data` holds it) and, for each of the
 * three byte alignments, the base64 characters that only its bytes decide — so it is found
 * inside the base64 of any longer text that contains it (standard and URL-safe alphabets).
 */
export function needlesOf(name: string, value: string): Needle[] {
  const bytes = Buffer.from(value, 'utf8');
  const out: Needle[] = [
    { label: `${name} (plain)`, text: value },
    { label: `${name} (base64)`, text: bytes.toString('base64') },
  ];
  for (let offset = 0; offset < 3; offset++) {
    const encoded = Buffer.concat([Buffer.alloc(offset), bytes]).toString('base64');
    const first = Math.ceil((offset * 8) / 6);
    const end = Math.floor(((offset + bytes.length) * 8) / 6);
    const core = encoded.slice(first, end);
    out.push({ label: `${name} (inside base64, alignment ${String(offset)})`, text: core });
    const url = core.replaceAll('+', '-').replaceAll('/', '_');
    if (url !== core)
      out.push({ label: `${name} (inside base64url, alignment ${String(offset)})`, text: url });
  }
  return out;
}

/** The labels of the needles found in `text`. */
export function leaksIn(text: string, needles: readonly Needle[]): string[] {
  return needles.filter((n) => text.includes(n.text)).map((n) => n.label);
}

/** One place a value was read from: a key, or a field/member/entry of it. */
export interface RedisValue {
  readonly key: string;
  readonly type: string;
  /** Hash field, list index, set member index, zset member index or stream entry id. */
  readonly part: string;
  /** The bytes as text, and decompressed when they are gzip. */
  readonly texts: readonly string[];
}

function textsOf(buf: Buffer): string[] {
  const out = [buf.toString('utf8')];
  if (buf.length > 2 && buf[0] === 0x1f && buf[1] === 0x8b) {
    try {
      out.push(gunzipSync(buf).toString('utf8'));
    } catch {
      // not gzip after all: the raw bytes were read above
    }
  }
  return out;
}

/**
 * Every key of the database (SCAN) and every value of it, read by TYPE: strings, hashes (fields
 * and values), lists, sets, sorted sets (members and scores), streams (ids, fields and values).
 * Key names are values too (`part` "key name"). A type it cannot read fails the dump.
 */
export async function dumpRedis(url: string): Promise<RedisValue[]> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  try {
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await redis.scan(cursor, 'COUNT', 1000);
      keys.push(...batch);
      cursor = next;
    } while (cursor !== '0');
    const out: RedisValue[] = [];
    for (const key of [...new Set(keys)].sort()) {
      const type = await redis.type(key);
      const add = (part: string, buf: Buffer): void => {
        out.push({ key, type, part, texts: textsOf(buf) });
      };
      add('key name', Buffer.from(key, 'utf8'));
      switch (type) {
        case 'none': // expired between SCAN and TYPE
          break;
        case 'string': {
          const v = await redis.getBuffer(key);
          if (v !== null) add('value', v);
          break;
        }
        case 'hash': {
          const h = await redis.hgetallBuffer(key);
          for (const [field, v] of Object.entries(h)) {
            add(`field name ${field}`, Buffer.from(field, 'utf8'));
            add(field, v);
          }
          break;
        }
        case 'list':
          (await redis.lrangeBuffer(key, 0, -1)).forEach((v, i) => add(String(i), v));
          break;
        case 'set':
          (await redis.smembersBuffer(key)).forEach((v, i) => add(String(i), v));
          break;
        case 'zset':
          // members and scores (RESP2: one flat list; RESP3: [member, score] pairs)
          ([await redis.zrangeBuffer(key, '0', '-1', 'WITHSCORES')] as unknown[])
            .flat(2)
            .forEach((v, i) => add(String(i), Buffer.from(String(v as Buffer | number))));
          break;
        case 'stream':
          for (const [id, fields] of await redis.xrangeBuffer(key, '-', '+')) {
            fields.forEach((v, i) => add(`${id.toString('utf8')}[${String(i)}]`, v));
          }
          break;
        default:
          throw new Error(`Redis key ${key} has type ${type}, which this dump cannot read`);
      }
    }
    return out;
  } finally {
    redis.disconnect();
  }
}
