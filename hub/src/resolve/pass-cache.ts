/**
 * What a resolve pass reads from Git, asked once: one answer per ref and per (commit, path) in a
 * pass — consistent (a fetch landing mid-pass cannot split the fleet over two commits) and
 * ~6 ms cheaper per (app, target) — and the fingerprint of an application's source files at a
 * commit, kept across passes (a commit's files never change). A failed answer is not kept.
 */
import { createHash } from 'node:crypto';
import type { GitRepo, GitSource } from '../git/port.ts';
import { collectClosure, kustomizationIn } from '../sources/closure.ts';

/** Source fingerprints kept (then all are dropped and computed again as needed). */
const MAX_DIGESTS = 1_000;

export class PassCache {
  private readonly git: Pick<GitSource, 'resolve' | 'readFiles'>;
  private readonly refs = new Map<string, Promise<string>>();
  private readonly reads = new Map<string, ReturnType<GitSource['readFiles']>>();
  private readonly digests = new Map<string, string>();

  constructor(git: Pick<GitSource, 'resolve' | 'readFiles'>) {
    this.git = git;
  }

  /** Forgets the pass's refs and reads (at the start and end of every pass). */
  clear(): void {
    this.refs.clear();
    this.reads.clear();
  }

  /** The commit `ref` names in `repo`. */
  resolve(repo: GitRepo, ref: string): Promise<string> {
    const key = `${repo.url}\n${ref}`;
    let p = this.refs.get(key);
    if (p === undefined) {
      p = this.git.resolve(repo, ref);
      this.refs.set(key, p);
      p.catch(() => this.refs.delete(key));
    }
    return p;
  }

  /** The files under `path` at `commit`. */
  read(repo: GitRepo, commit: string, path: string): ReturnType<GitSource['readFiles']> {
    const key = `${repo.url}\n${commit}\n${path}`;
    let p = this.reads.get(key);
    if (p === undefined) {
      p = this.git.readFiles(repo, commit, path);
      this.reads.set(key, p);
      p.catch(() => this.reads.delete(key));
    }
    return p;
  }

  /**
   * sha256 of an application's source files (paths and contents) at a commit: those under
   * `path`, and for a kustomization also the bases, components and files it names elsewhere in
   * the repository (a change to `../base` is a change of the application).
   */
  async sourceDigest(repo: GitRepo, commit: string, path: string): Promise<string> {
    const key = `${repo.url}\n${commit}\n${path}`;
    let d = this.digests.get(key);
    if (d === undefined) {
      const read = await this.read(repo, commit, path);
      const files =
        kustomizationIn(read.files, path) === undefined
          ? read.files
          : (
              await collectClosure({
                appPath: path,
                files: read.files,
                components: [],
                read: async (p) => (await this.read(repo, commit, p)).files,
              })
            ).files;
      const hash = createHash('sha256');
      for (const [p, content] of [...files].sort(([a], [b]) => (a < b ? -1 : 1))) {
        hash.update(`${p}\0${String(content.length)}\0${content}\0`);
      }
      d = hash.digest('hex');
      if (this.digests.size >= MAX_DIGESTS) this.digests.clear();
      this.digests.set(key, d);
    }
    return d;
  }
}
