import { describe, expect, it } from 'vitest';
import {
  CACHE_IMMUTABLE,
  CACHE_REVALIDATE,
  contentTypeOf,
  decideUiPath,
  isCompressible,
  type UiPathDecision,
} from './ui-path.ts';

const FILES = new Set(['index.html', 'assets/app-x1.js', 'assets/app-x1.css', 'favicon.svg']);
const INDEX: UiPathDecision = { kind: 'file', file: 'index.html', cacheControl: CACHE_REVALIDATE };

describe('decideUiPath', () => {
  it.each<[string, UiPathDecision]>([
    ['/', { kind: 'none' }],
    ['/api/v1/status', { kind: 'none' }],
    ['/uix', { kind: 'none' }],
    ['/ui', { kind: 'redirect', location: '/ui/' }],
    ['/ui/', INDEX],
    ['/ui/index.html', INDEX],
    [
      '/ui/assets/app-x1.js',
      { kind: 'file', file: 'assets/app-x1.js', cacheControl: CACHE_IMMUTABLE },
    ],
    [
      '/ui/assets/app-x1.css',
      { kind: 'file', file: 'assets/app-x1.css', cacheControl: CACHE_IMMUTABLE },
    ],
    ['/ui/favicon.svg', { kind: 'file', file: 'favicon.svg', cacheControl: CACHE_REVALIDATE }],
    // deep links: the page
    ['/ui/drift', INDEX],
    ['/ui/apps/web/edge', INDEX],
    ['/ui/apps/web/edge/', INDEX],
    ['/ui/targets/a%20b', INDEX],
    ['/ui/signin', INDEX],
    // a missing asset is not the page
    ['/ui/assets/app-old.js', { kind: 'not-found', file: 'assets/app-old.js' }],
    ['/ui/assets%2fapp-x1.js', { kind: 'refused', reason: 'an encoded path separator' }],
    // leaving the build
    ['/ui/..', { kind: 'refused', reason: 'the segment ".."' }],
    ['/ui/../etc/passwd', { kind: 'refused', reason: 'the segment ".."' }],
    ['/ui/assets/../../etc/passwd', { kind: 'refused', reason: 'the segment ".."' }],
    ['/ui/%2e%2e/etc/passwd', { kind: 'refused', reason: 'the segment ".."' }],
    ['/ui/%2E%2E/etc/passwd', { kind: 'refused', reason: 'the segment ".."' }],
    ['/ui/.%2e/x', { kind: 'refused', reason: 'the segment ".."' }],
    ['/ui/./index.html', { kind: 'refused', reason: 'the segment "."' }],
    ['/ui/..%2f..%2fetc%2fpasswd', { kind: 'refused', reason: 'an encoded path separator' }],
    ['/ui/..%5c..%5cwin.ini', { kind: 'refused', reason: 'an encoded path separator' }],
    ['/ui/index.html%00.js', { kind: 'refused', reason: 'a control character' }],
    ['/ui/a%0ab', { kind: 'refused', reason: 'a control character' }],
    ['/ui/.env', { kind: 'refused', reason: 'a hidden file' }],
    ['/ui//etc/passwd', { kind: 'refused', reason: 'an empty path segment' }],
    ['/ui/%E0%A4%A', { kind: 'refused', reason: 'a bad percent-encoding' }],
  ])('%s', (path, expected) => {
    expect(decideUiPath(path, FILES)).toEqual(expected);
  });

  it('answers the page for a build without the file asked', () => {
    expect(decideUiPath('/ui/favicon.svg', new Set(['index.html']))).toEqual(INDEX);
  });
});

describe('contentTypeOf', () => {
  it.each([
    ['index.html', 'text/html; charset=utf-8', true],
    ['assets/app-x.js', 'text/javascript; charset=utf-8', true],
    ['assets/app-x.css', 'text/css; charset=utf-8', true],
    ['assets/app-x.js.map', 'application/json; charset=utf-8', true],
    ['manifest.json', 'application/json; charset=utf-8', true],
    ['logo.svg', 'image/svg+xml', true],
    ['logo.PNG', 'image/png', false],
    ['assets/font.woff2', 'font/woff2', false],
    ['README', 'application/octet-stream', false],
  ])('%s: %s', (file, type, compressible) => {
    expect(contentTypeOf(file)).toBe(type);
    expect(isCompressible(type)).toBe(compressible);
  });
});
