/**
 * Tracing shared by hub and agent: one change is one trace, from the commit the hub saw to the
 * apply on a cluster and the report back. Context crosses process boundaries as a
 * W3C `traceparent` carrier — in BullMQ job data, in the store's pending deliveries and in every
 * envelope's `trace` map — and is passed explicitly (no async-context magic), so a span's parent
 * is always the one the code names.
 *
 * Without an OTLP endpoint nothing of the SDK is loaded (the agent's footprint matters): the API's
 * no-op tracer still hands a parent's context on, so a hub that traces and an agent that does not
 * still keep the hub's spans in one trace.
 */
import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  TraceFlags,
  trace,
  type Attributes,
  type Context,
  type Span,
  type Tracer,
} from '@opentelemetry/api';
import { toGitfleetError } from './domain/errors.ts';
import type { Logger } from './domain/logger.ts';

/** W3C trace context as carried by jobs and envelopes. */
export type TraceCarrier = Readonly<Record<string, string>>;

export interface Telemetry {
  readonly tracer: Tracer;
  /** Flushes what is buffered and stops exporting. */
  shutdown(): Promise<void>;
}

export interface TelemetryOptions {
  /** `service.name` of the spans (`gitfleet-hub`, `gitfleet-agent`). */
  readonly service: string;
  readonly version: string;
  /** Extra resource attributes (the agent's target, the hub's replica). */
  readonly attributes?: Attributes;
  /** OTLP/HTTP traces endpoint (`http://collector:4318/v1/traces`); absent: no export. */
  readonly otlpEndpoint: string | undefined;
  readonly logger: Logger;
}

/** A tracer that exports over OTLP/HTTP when an endpoint is configured, else a no-op one. */
export async function startTelemetry(opts: TelemetryOptions): Promise<Telemetry> {
  if (opts.otlpEndpoint === undefined) {
    return { tracer: trace.getTracer(opts.service, opts.version), shutdown: async () => {} };
  }
  // loaded only when tracing is on
  const [
    { TracerProvider, BatchSpanProcessor },
    { resourceFromAttributes },
    { OTLPTraceExporter },
  ] = await Promise.all([
    import('@opentelemetry/sdk-trace'),
    import('@opentelemetry/resources'),
    import('@opentelemetry/exporter-trace-otlp-http'),
  ]);
  const provider = new TracerProvider({
    resource: resourceFromAttributes({
      'service.name': opts.service,
      'service.version': opts.version,
      ...opts.attributes,
    }),
    spanProcessors: [
      new BatchSpanProcessor({
        exporter: new OTLPTraceExporter({ url: opts.otlpEndpoint }),
        scheduledDelayMillis: 500,
        exportTimeoutMillis: 10_000,
        maxQueueSize: 8192,
      }),
    ],
  });
  opts.logger.info('exporting traces over OTLP', { endpoint: opts.otlpEndpoint });
  return {
    tracer: provider.getTracer(opts.service, opts.version),
    async shutdown() {
      // an unreachable collector must not hold up a shutdown: give the last batch 3 s
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          provider.shutdown(),
          new Promise<void>((_, reject) => {
            timer = setTimeout(() => reject(new Error('collector did not answer in 3 s')), 3_000);
          }),
        ]);
      } catch (err) {
        opts.logger.warn('trace export failed at shutdown', {
          error: toGitfleetError(err).message,
        });
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/** A tracer that records nothing (tests, tools); context is still handed on. */
export const noopTracer: Tracer = trace.getTracer('gitfleet-noop');

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** The carrier of `span` (its W3C `traceparent`); empty when the span has no valid context. */
export function carrierOf(span: Span | undefined): TraceCarrier {
  const sc = span?.spanContext();
  if (sc === undefined || !trace.isSpanContextValid(sc)) return {};
  const flags = (sc.traceFlags & TraceFlags.SAMPLED).toString(16).padStart(2, '0');
  return {
    traceparent: `00-${sc.traceId}-${sc.spanId}-${flags}`,
    ...(sc.traceState === undefined ? {} : { tracestate: sc.traceState.serialize() }),
  };
}

/** The context a carrier names as parent; the root context for an empty or malformed carrier. */
export function contextOf(carrier: TraceCarrier | undefined): Context {
  const m = TRACEPARENT.exec(carrier?.['traceparent'] ?? '');
  if (m === null) return ROOT_CONTEXT;
  const [, traceId = '', spanId = '', flags = '00'] = m;
  const sc = { traceId, spanId, traceFlags: Number.parseInt(flags, 16), isRemote: true };
  return trace.isSpanContextValid(sc) ? trace.setSpanContext(ROOT_CONTEXT, sc) : ROOT_CONTEXT;
}

export interface SpanOptions {
  readonly attributes?: Attributes;
  /** The parent: a span of this process, a remote carrier, or none (a new trace). */
  readonly parent?: Span | TraceCarrier | undefined;
  readonly kind?: SpanKind;
}

function parentContext(parent: SpanOptions['parent']): Context {
  if (parent === undefined) return ROOT_CONTEXT;
  if (typeof (parent as Span).spanContext === 'function')
    return trace.setSpan(ROOT_CONTEXT, parent as Span);
  return contextOf(parent as TraceCarrier);
}

/** Starts a span under `parent`; the caller ends it. */
export function startSpan(tracer: Tracer, name: string, opts: SpanOptions = {}): Span {
  return tracer.startSpan(
    name,
    {
      kind: opts.kind ?? SpanKind.INTERNAL,
      ...(opts.attributes && { attributes: opts.attributes }),
    },
    parentContext(opts.parent),
  );
}

/** Runs `fn` inside a span, ending it with the outcome (an error marks the span and is rethrown). */
export async function inSpan<T>(
  tracer: Tracer,
  name: string,
  opts: SpanOptions,
  fn: (span: Span) => Promise<T>,
): Promise<T> {
  const span = startSpan(tracer, name, opts);
  try {
    return await fn(span);
  } catch (err) {
    const e = toGitfleetError(err);
    span.setStatus({ code: SpanStatusCode.ERROR, message: e.message });
    span.setAttribute('gitfleet.error_code', e.code);
    throw err;
  } finally {
    span.end();
  }
}

export { SpanKind, SpanStatusCode, type Span, type Tracer };
