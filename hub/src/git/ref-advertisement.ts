/**
 * The smart-HTTP ref advertisement (`GET …/info/refs?service=git-upload-pack`), and the one
 * repair the hub makes to it. A server whose HEAD names a branch that does not exist (a bare
 * repository made with `git init --bare`, HEAD → master, that only ever received `main`)
 * advertises no HEAD line; git and Flux fetch such a repository fine, but isomorphic-git's fetch
 * looks HEAD up unconditionally and fails ("Could not find HEAD"). The advertisement then gets a
 * HEAD line pointing at the branch the caller asked for (or the first branch, or the first tag),
 * placed after the first line so the capabilities stay where they are. The hub fetches every
 * branch and tag either way; the added line only satisfies that look-up, and the repository is
 * reported as having no default branch.
 *
 * Pure: bytes in, bytes out. Protocol v2 answers and anything that does not parse as pkt-lines
 * pass through unchanged.
 */

const OID_REF = /^([0-9a-f]{40}(?:[0-9a-f]{24})?) ([^\s\0]+)/;

export interface EnsuredHead {
  readonly body: Uint8Array;
  /** The ref whose commit the added HEAD line names; undefined when nothing was added. */
  readonly injected?: string;
}

interface PktLine {
  /** Offset of the 4-digit length. */
  readonly at: number;
  /** Payload, undefined for a flush/delim packet. */
  readonly text?: string;
}

export function ensureHead(body: Uint8Array, preferredBranch?: string): EnsuredHead {
  const lines = pktLines(body);
  if (lines === undefined) return { body };
  const refs: { oid: string; name: string; index: number }[] = [];
  for (const [index, line] of lines.entries()) {
    if (line.text === undefined) continue;
    if (line.text.startsWith('version 2')) return { body };
    const m = OID_REF.exec(line.text);
    if (m?.[1] !== undefined && m[2] !== undefined) refs.push({ oid: m[1], name: m[2], index });
  }
  const real = refs.filter((r) => r.name !== 'capabilities^{}');
  if (real.length === 0 || real.some((r) => r.name === 'HEAD')) return { body };
  const wanted = preferredBranch === undefined ? undefined : fullBranch(preferredBranch);
  const pick =
    real.find((r) => r.name === wanted) ??
    real.find((r) => r.name.startsWith('refs/heads/')) ??
    real.find((r) => r.name.startsWith('refs/tags/') && !r.name.endsWith('^{}')) ??
    real[0];
  const last = real[real.length - 1];
  if (pick === undefined || last === undefined) return { body };
  const after = lines[last.index + 1]?.at ?? body.length;
  const line = pkt(`${pick.oid} HEAD\n`);
  const out = new Uint8Array(body.length + line.length);
  out.set(body.subarray(0, after), 0);
  out.set(line, after);
  out.set(body.subarray(after), after + line.length);
  return { body: out, injected: pick.name };
}

function fullBranch(name: string): string {
  return name.startsWith('refs/') ? name : `refs/heads/${name}`;
}

/** The pkt-lines of `body`, or undefined when it is not a sequence of them. */
function pktLines(body: Uint8Array): PktLine[] | undefined {
  const out: PktLine[] = [];
  let at = 0;
  while (at < body.length) {
    if (at + 4 > body.length) return undefined;
    const hex = Buffer.from(body.subarray(at, at + 4)).toString('latin1');
    if (!/^[0-9a-f]{4}$/i.test(hex)) return undefined;
    const len = Number.parseInt(hex, 16);
    if (len < 4) {
      out.push({ at });
      at += 4;
      continue;
    }
    if (at + len > body.length) return undefined;
    out.push({ at, text: Buffer.from(body.subarray(at + 4, at + len)).toString('utf8') });
    at += len;
  }
  return out;
}

function pkt(text: string): Uint8Array {
  const payload = Buffer.from(text, 'utf8');
  return Buffer.concat([
    Buffer.from((payload.length + 4).toString(16).padStart(4, '0'), 'latin1'),
    payload,
  ]);
}
