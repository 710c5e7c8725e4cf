/**
 * A real OTLP/HTTP traces receiver on loopback for tests: accepts the JSON encoding that
 * `@opentelemetry/exporter-trace-otlp-http` posts to `/v1/traces` and keeps every span, flattened
 * with its service name. Anything else gets the status an OTLP collector would send.
 */
import http from 'node:http';

export interface CollectedSpan {
  readonly service: string;
  readonly traceId: string;
  readonly spanId: string;
  /** Empty for a root span. */
  readonly parentSpanId: string;
  readonly name: string;
  readonly attributes: Readonly<Record<string, string | number | boolean>>;
}

export interface OtlpCollector {
  /** `http://127.0.0.1:PORT/v1/traces` */
  readonly endpoint: string;
  readonly spans: readonly CollectedSpan[];
  /** The body of every accepted export request, as received (events, links, status included). */
  readonly bodies: readonly string[];
  close(): Promise<void>;
}

interface AnyValue {
  stringValue?: string;
  intValue?: string | number;
  doubleValue?: number;
  boolValue?: boolean;
}
interface KeyValue {
  key: string;
  value?: AnyValue;
}
interface ExportRequest {
  resourceSpans?: {
    resource?: { attributes?: KeyValue[] };
    scopeSpans?: {
      spans?: {
        traceId?: string;
        spanId?: string;
        parentSpanId?: string;
        name?: string;
        attributes?: KeyValue[];
      }[];
    }[];
  }[];
}

/** OTLP/JSON ids are hex; accept base64 (the protobuf JSON mapping) too. */
function hexId(id: string | undefined): string {
  if (id === undefined || id === '') return '';
  if (/^[0-9a-f]+$/i.test(id) && (id.length === 32 || id.length === 16)) return id.toLowerCase();
  return Buffer.from(id, 'base64').toString('hex');
}

function attrs(kvs: KeyValue[] | undefined): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const { key, value } of kvs ?? []) {
    if (value?.stringValue !== undefined) out[key] = value.stringValue;
    else if (value?.intValue !== undefined) out[key] = Number(value.intValue);
    else if (value?.doubleValue !== undefined) out[key] = value.doubleValue;
    else if (value?.boolValue !== undefined) out[key] = value.boolValue;
  }
  return out;
}

export async function startOtlpCollector(): Promise<OtlpCollector> {
  const spans: CollectedSpan[] = [];
  const bodies: string[] = [];
  const server = http.createServer((req, res) => {
    void (async () => {
      if (req.method !== 'POST' || req.url !== '/v1/traces') {
        res.statusCode = 404;
        return void res.end();
      }
      if (!(req.headers['content-type'] ?? '').startsWith('application/json')) {
        res.statusCode = 415;
        return void res.end('only the OTLP JSON encoding is accepted here');
      }
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const text = Buffer.concat(chunks).toString('utf8');
      let body: ExportRequest;
      try {
        body = JSON.parse(text) as ExportRequest;
      } catch {
        res.statusCode = 400;
        return void res.end('not JSON');
      }
      bodies.push(text);
      for (const rs of body.resourceSpans ?? []) {
        const service = String(attrs(rs.resource?.attributes)['service.name'] ?? '');
        for (const ss of rs.scopeSpans ?? []) {
          for (const s of ss.spans ?? []) {
            spans.push({
              service,
              traceId: hexId(s.traceId),
              spanId: hexId(s.spanId),
              parentSpanId: hexId(s.parentSpanId),
              name: s.name ?? '',
              attributes: attrs(s.attributes),
            });
          }
        }
      }
      res.setHeader('content-type', 'application/json');
      res.end('{}');
    })();
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const a = server.address();
      resolve(typeof a === 'object' && a !== null ? a.port : 0);
    });
  });
  return {
    endpoint: `http://127.0.0.1:${port}/v1/traces`,
    spans,
    bodies,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
