import { describe, expect, it } from 'vitest';
import { ErrorCode, GitfleetError } from '@gitfleet/proto';
import { DEFAULT_READ_LIMITS } from './port.ts';
import type { ReadLimits } from './port.ts';
import { MAX_TREE_BYTES_PER_ENTRY, walkFiles } from './read-files.ts';
import type { TreeItem, WalkStore } from './read-files.ts';

/**
 * An object store in memory: trees are maps of entries, blobs are strings. Object ids are made
 * up (the walk never checks them). `sizes` overrides a header size, to prove the walk decides
 * from the header before it reads the content.
 */
type Node =
  | { readonly kind: 'tree'; readonly entries: Readonly<Record<string, Node>> }
  | { readonly kind: 'blob'; readonly text: string }
  | { readonly kind: 'symlink'; readonly target: string }
  | { readonly kind: 'submodule' };

class MemoryStore implements WalkStore {
  readonly #byOid = new Map<string, Node>();
  readonly #oids = new Map<Node, string>();
  /** Header sizes that differ from the content (a huge file stored small here). */
  readonly headerSizes = new Map<Node, number>();
  readonly blobsRead: string[] = [];
  treesRead = 0;

  oidOf(node: Node): string {
    let oid = this.#oids.get(node);
    if (oid === undefined) {
      oid = this.#oids.size.toString(16).padStart(40, '0');
      this.#oids.set(node, oid);
      this.#byOid.set(oid, node);
    }
    return oid;
  }

  item(node: Node): TreeItem {
    const oid = this.oidOf(node);
    switch (node.kind) {
      case 'tree':
        return { mode: '040000', type: 'tree', oid };
      case 'blob':
        return { mode: '100644', type: 'blob', oid };
      case 'symlink':
        return { mode: '120000', type: 'blob', oid };
      case 'submodule':
        return { mode: '160000', type: 'commit', oid };
    }
  }

  sizeOf(oid: string): Promise<number> {
    const node = this.#byOid.get(oid);
    const header = node === undefined ? undefined : this.headerSizes.get(node);
    if (header !== undefined) return Promise.resolve(header);
    if (node?.kind === 'blob') return Promise.resolve(Buffer.byteLength(node.text));
    if (node?.kind === 'tree') return Promise.resolve(Object.keys(node.entries).length * 30);
    return Promise.resolve(10);
  }

  readTree(oid: string): Promise<ReadonlyMap<string, TreeItem>> {
    this.treesRead++;
    const node = this.#byOid.get(oid);
    if (node?.kind !== 'tree') throw new Error(`${oid} is not a tree`);
    return Promise.resolve(
      new Map(Object.entries(node.entries).map(([name, child]) => [name, this.item(child)])),
    );
  }

  readBlob(oid: string, p: string): Promise<Uint8Array> {
    this.blobsRead.push(p);
    const node = this.#byOid.get(oid);
    if (node?.kind === 'blob') return Promise.resolve(Buffer.from(node.text));
    return Promise.resolve(Buffer.from(node?.kind === 'symlink' ? node.target : ''));
  }
}

const tree = (entries: Record<string, Node>): Node => ({ kind: 'tree', entries });
const blob = (text: string): Node => ({ kind: 'blob', text });
const COMMIT = 'c'.repeat(40);

async function walk(
  root: Node,
  base = '',
  opts: {
    limits?: Partial<ReadLimits>;
    include?: (p: string) => boolean;
    store?: MemoryStore;
  } = {},
): Promise<{ store: MemoryStore; files: Map<string, string>; skipped: unknown[] }> {
  const store = opts.store ?? new MemoryStore();
  const result = await walkFiles(store, {
    url: 'https://git.example/r.git',
    commit: COMMIT,
    rootTree: store.oidOf(root),
    base,
    limits: { ...DEFAULT_READ_LIMITS, ...opts.limits },
    include: opts.include ?? (() => true),
  });
  return { store, files: new Map(result.files), skipped: [...result.skipped] };
}

async function failure(p: Promise<unknown>): Promise<GitfleetError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(GitfleetError);
    return err as GitfleetError;
  }
  throw new Error('expected the walk to fail');
}

const REPO = tree({
  apps: tree({
    web: tree({
      'deploy.yaml': blob('kind: Deployment\n'),
      nested: tree({ 'svc.yaml': blob('kind: Service\n') }),
    }),
    other: tree({ 'x.yaml': blob('x: 1\n') }),
  }),
  'fleet.yaml': blob('kind: Target\n'),
  'logo.png': blob('PNG'),
});

describe('walkFiles', () => {
  it('reads every file under a path, in path order', async () => {
    const { files } = await walk(REPO, 'apps/web');
    expect([...files]).toEqual([
      ['apps/web/deploy.yaml', 'kind: Deployment\n'],
      ['apps/web/nested/svc.yaml', 'kind: Service\n'],
    ]);
    const root = await walk(REPO, '', { include: (p) => p.endsWith('.yaml') });
    expect([...root.files.keys()]).toEqual([
      'apps/other/x.yaml',
      'apps/web/deploy.yaml',
      'apps/web/nested/svc.yaml',
      'fleet.yaml',
    ]);
    expect(root.store.blobsRead).not.toContain('logo.png');
  });

  it('a missing path is NOT_FOUND naming it', async () => {
    const err = await failure(walk(REPO, 'apps/nope'));
    expect(err.code).toBe(ErrorCode.NotFound);
    expect(err.message).toContain('"apps/nope"');
  });

  it.each<[string, Node, string, (p: string) => boolean, RegExp]>([
    [
      'a symlink among the files',
      tree({
        app: tree({ 'a.yaml': blob('a'), 'b.yaml': { kind: 'symlink', target: '/etc/passwd' } }),
      }),
      'app',
      () => true,
      /app\/b\.yaml is a symlink; symlinks are not followed: replace app\/b\.yaml with the file it points to/,
    ],
    [
      'a symlink the root read includes',
      tree({ deep: tree({ 'x.yaml': { kind: 'symlink', target: '../y.yaml' } }) }),
      '',
      (p) => p.endsWith('.yaml'),
      /deep\/x\.yaml is a symlink/,
    ],
    [
      'a read path that is a symlink',
      tree({ alias: { kind: 'symlink', target: 'app' }, app: tree({ 'a.yaml': blob('a') }) }),
      'alias',
      () => true,
      /alias is a symlink/,
    ],
    [
      'a read path through a symlinked directory',
      tree({ alias: { kind: 'symlink', target: 'app' }, app: tree({ 'a.yaml': blob('a') }) }),
      'alias/a.yaml',
      () => true,
      /path "alias\/a\.yaml" goes through alias, a symlink; symlinks are not followed/,
    ],
    [
      'a submodule among the files',
      tree({ app: tree({ 'a.yaml': blob('a'), vendor: { kind: 'submodule' } }) }),
      'app',
      () => true,
      /app\/vendor is a submodule; submodules are not fetched/,
    ],
    [
      'a read path through a submodule',
      tree({ vendor: { kind: 'submodule' } }),
      'vendor/charts',
      () => true,
      /vendor is a submodule/,
    ],
  ])('%s fails the read, naming the entry', async (_name, root, base, include, message) => {
    const err = await failure(walk(root, base, { include }));
    expect(err.code).toBe(ErrorCode.ManifestInvalid);
    expect(err.message).toMatch(message);
    expect(err.message).toContain('https://git.example/r.git at cccccccccccc');
  });

  it('links and submodules the filter leaves out are listed, not read', async () => {
    const root = tree({
      'a.yaml': blob('a'),
      'README.md': { kind: 'symlink', target: 'docs/README.md' },
      vendor: { kind: 'submodule' },
    });
    const { files, skipped, store } = await walk(root, '', {
      include: (p) => p.endsWith('.yaml'),
    });
    expect([...files.keys()]).toEqual(['a.yaml']);
    expect(skipped).toEqual([
      { path: 'README.md', reason: 'symlink' },
      { path: 'vendor', reason: 'submodule' },
    ]);
    expect(store.blobsRead).toEqual(['a.yaml']);
  });

  it('maxFileBytes: decided from the header size, the content is never read', async () => {
    const store = new MemoryStore();
    const big = blob('stored small here');
    store.headerSizes.set(big, 50 * 1024 * 1024);
    const err = await failure(
      walk(tree({ app: tree({ 'big.yaml': big, 'ok.yaml': blob('ok') }) }), 'app', { store }),
    );
    expect(err.code).toBe(ErrorCode.LimitExceeded);
    expect(err.message).toContain(
      'file app/big.yaml is 52428800 bytes (limit maxFileBytes = 1048576)',
    );
    expect(err.details).toMatchObject({
      path: 'app/big.yaml',
      limit: 'maxFileBytes',
      bytes: 52_428_800,
    });
    expect(store.blobsRead).not.toContain('app/big.yaml');
  });

  it('maxTotalBytes and maxFiles name the file where they were reached', async () => {
    const root = tree({ a: blob('1234'), b: blob('5678'), c: blob('9') });
    const total = await failure(walk(root, '', { limits: { maxTotalBytes: 6 } }));
    expect(total.code).toBe(ErrorCode.LimitExceeded);
    expect(total.message).toContain('(reached at b)');
    expect(total.message).toContain('maxTotalBytes = 6');
    const many = await failure(walk(root, '', { limits: { maxFiles: 2 } }));
    expect(many.message).toContain('more than 2 files under the repository root (reached at c)');
  });

  it('maxTreeEntries counts every entry walked, read or not', async () => {
    const dir = (n: number): Node =>
      tree(
        Object.fromEntries(Array.from({ length: n }, (_, i) => [`f${String(i)}.txt`, blob('x')])),
      );
    const root = tree({ a: dir(40), b: dir(40), 'fleet.yaml': blob('k') });
    const ok = await walk(root, '', {
      include: (p) => p.endsWith('.yaml'),
      limits: { maxTreeEntries: 83 },
    });
    expect([...ok.files.keys()]).toEqual(['fleet.yaml']);
    const err = await failure(
      walk(root, '', { include: (p) => p.endsWith('.yaml'), limits: { maxTreeEntries: 60 } }),
    );
    expect(err.code).toBe(ErrorCode.LimitExceeded);
    expect(err.message).toContain('more than 60 entries walked under the repository root');
    expect(err.details).toMatchObject({ limit: 'maxTreeEntries', max: 60 });
  });

  it('maxTreeEntries refuses a tree object too large to hold so few entries, unparsed', async () => {
    const store = new MemoryStore();
    const root = tree({ 'a.yaml': blob('a') });
    store.headerSizes.set(root, 11 * MAX_TREE_BYTES_PER_ENTRY);
    const err = await failure(walk(root, '', { store, limits: { maxTreeEntries: 10 } }));
    expect(err.details).toMatchObject({ limit: 'maxTreeEntries' });
    expect(store.treesRead).toBe(0);
  });

  it('maxTreeDepth: a directory nested deeper fails the read, naming it; no recursion', async () => {
    let deep: Node = blob('leaf');
    for (let i = 0; i < 2_000; i++) deep = tree({ [`d${String(i % 10)}`]: deep });
    const err = await failure(walk(deep, '', { limits: { maxTreeDepth: 64 } }));
    expect(err.code).toBe(ErrorCode.LimitExceeded);
    expect(err.message).toMatch(
      /directory d\d(\/d\d){64} is nested 65 levels deep \(limit maxTreeDepth = 64\)/,
    );
    // the same tree at a depth limit past it is walked iteratively, without a stack overflow
    const through = await walk(deep, '', { limits: { maxTreeDepth: 5_000 } });
    expect(through.files.size).toBe(1);
  });

  it('a content size that disagrees with the header fails the read', async () => {
    const store = new MemoryStore();
    const liar = blob('abc');
    store.headerSizes.set(liar, 2);
    const err = await failure(walk(tree({ 'a.yaml': liar }), '', { store }));
    expect(err.code).toBe(ErrorCode.GitFetchFailed);
    expect(err.message).toContain('a.yaml holds 3 bytes where its object header says 2');
  });
});
