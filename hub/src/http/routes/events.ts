/**
 * `GET /api/v1/events`: the live fleet status as Server-Sent Events (../events/streams.ts).
 */
import { ErrorCode, GitfleetError } from '@gitfleet/proto';
import { ApiScope } from '../../core/api-access/index.ts';
import { NoQuery } from '../api/queries.ts';
import { streamEncodingHeaders, wantsGzip } from '../compression.ts';
import { eventStreamsOf } from '../events/streams.ts';
import { errorReply, errorResponse, type Route } from '../route.ts';

export const EVENTS_ROUTE: Route = {
  method: 'GET',
  path: '/api/v1/events',
  access: ApiScope.Read,
  query: NoQuery,
  doc: {
    operationId: 'events',
    summary: 'Live fleet status: a snapshot, then each changed (target, application) row.',
    description: [
      'A Server-Sent Events stream (`text/event-stream`). Every event has an `id:` that counts up on the stream; a reconnect always starts from a new snapshot (`Last-Event-ID` is not read).',
      '`event: snapshot` first: `{ items, fleet }`, the rows of `GET /api/v1/status` (StatusRow) and the status of `GET /api/v1/fleet`.',
      '`event: cell`: `{ target, app, row }` when a row changed (desired version or revision, delivery, sync, health, drift count, connection, error; not `lastSeenMs` or `reportedAtMs` alone): the new StatusRow, or `row: null` when the application is no longer desired on the target. At most one per row per 250 ms.',
      '`event: fleet`: the status of `GET /api/v1/fleet` when its commits, acceptance, problems or failures changed.',
      '`: ping` comments every 15 s. `event: reset` ends the stream of a client that fell behind (or whose snapshot could not be read): reconnect.',
      'At most `--max-event-streams` streams per hub replica; the stream ends when the hub shuts down.',
      'A client whose `Accept-Encoding` allows gzip gets the stream gzip-encoded, flushed after every event (each arrives as soon as it is written).',
    ].join('\n\n'),
    tags: ['fleet'],
    responses: {
      '200': { description: 'The event stream.', eventStream: true },
      '404': errorResponse('The hub serves no event stream.'),
      '503': errorResponse(
        'As many event streams as `--max-event-streams` are open: retry later (Retry-After).',
      ),
    },
  },
  handle: (ctx) => {
    const streams = eventStreamsOf(ctx.deps);
    if (streams === undefined) {
      return Promise.resolve(
        errorReply(new GitfleetError(ErrorCode.NotFound, 'this hub serves no event stream'), 404),
      );
    }
    if (!streams.reserve()) {
      return Promise.resolve(
        errorReply(
          new GitfleetError(
            ErrorCode.Unavailable,
            `too many event streams: ${String(streams.maxStreams)} are open (--max-event-streams); retry later`,
            { details: { limit: 'max-event-streams', max: streams.maxStreams } },
          ),
          503,
          { 'retry-after': '5' },
        ),
      );
    }
    const gzipped = wantsGzip(ctx.req);
    return Promise.resolve({
      status: 200,
      headers: {
        ...streamEncodingHeaders(gzipped),
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        // one stream per connection: the socket closes with the stream (a shutdown waits for none)
        connection: 'close',
        'x-accel-buffering': 'no',
      },
      stream: (res) => streams.open(res, gzipped),
    });
  },
};
