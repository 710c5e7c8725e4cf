import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { silentLogger } from './domain/logger.ts';
import {
  carrierOf,
  contextOf,
  inSpan,
  noopTracer,
  startSpan,
  startTelemetry,
} from './telemetry.ts';
import { trace } from '@opentelemetry/api';

const TP = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

describe('trace carriers', () => {
  it.each([
    ['a valid traceparent', { traceparent: TP }, true],
    ['an empty carrier', {}, false],
    ['undefined', undefined, false],
    ['a wrong version', { traceparent: TP.replace(/^00/, 'ff') }, false],
    ['an all-zero trace id', { traceparent: `00-${'0'.repeat(32)}-00f067aa0ba902b7-01` }, false],
    [
      'an all-zero span id',
      { traceparent: `00-4bf92f3577b34da6a3ce929d0e0e4736-${'0'.repeat(16)}-01` },
      false,
    ],
    ['upper-case hex', { traceparent: TP.toUpperCase() }, false],
    ['a truncated value', { traceparent: TP.slice(0, 40) }, false],
  ])('%s → valid parent: %s', (_name, carrier, valid) => {
    const sc = trace.getSpanContext(contextOf(carrier));
    expect(sc !== undefined && trace.isSpanContextValid(sc)).toBe(valid);
  });

  it('a no-op tracer hands the parent on: the child carries the same trace and span', () => {
    const span = startSpan(noopTracer, 'child', { parent: { traceparent: TP } });
    expect(carrierOf(span)).toEqual({ traceparent: TP });
    span.end();
  });

  it('a root span of a no-op tracer has no context to carry', () => {
    expect(carrierOf(startSpan(noopTracer, 'root'))).toEqual({});
    expect(carrierOf(undefined)).toEqual({});
  });

  it('keeps the sampled flag and tracestate', () => {
    const unsampled = TP.replace(/-01$/, '-00');
    expect(carrierOf(startSpan(noopTracer, 'x', { parent: { traceparent: unsampled } }))).toEqual({
      traceparent: unsampled,
    });
  });
});

describe('a recording tracer (OTLP configured)', () => {
  it('children share the trace, name their parent, and an error marks the span', async () => {
    // a loopback receiver that takes whatever is exported (the wire format is tested end to end
    // in test/src/hub/trace.int.test.ts)
    let posted = 0;
    const sink = http.createServer((req, res) => {
      posted++;
      req.resume();
      req.on('end', () => res.end('{}'));
    });
    await new Promise<void>((r) => sink.listen(0, '127.0.0.1', r));
    const port = (sink.address() as AddressInfo).port;
    const t = await startTelemetry({
      service: 'test',
      version: '0',
      otlpEndpoint: `http://127.0.0.1:${port}/v1/traces`,
      logger: silentLogger,
    });
    const root = startSpan(t.tracer, 'root');
    const rootCarrier = carrierOf(root);
    expect(rootCarrier['traceparent']).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    const child = startSpan(t.tracer, 'child', { parent: rootCarrier });
    const [, traceId, rootId] = rootCarrier['traceparent']?.split('-') ?? [];
    expect(carrierOf(child)['traceparent']?.split('-')[1]).toBe(traceId);
    expect(carrierOf(child)['traceparent']?.split('-')[2]).not.toBe(rootId);
    await expect(
      inSpan(t.tracer, 'fails', { parent: root }, () => Promise.reject(new Error('boom'))),
    ).rejects.toThrow('boom');
    child.end();
    root.end();
    await t.shutdown();
    await new Promise<void>((r) => sink.close(() => r()));
    expect(posted).toBeGreaterThan(0);
  });

  it('without an endpoint nothing is recorded', async () => {
    const t = await startTelemetry({
      service: 'test',
      version: '0',
      otlpEndpoint: undefined,
      logger: silentLogger,
    });
    expect(carrierOf(startSpan(t.tracer, 'root'))).toEqual({});
    await t.shutdown();
  });
});
