/**
 * Content negotiation of the response encoding (RFC 9110 §12.5.3): whether a request's
 * `Accept-Encoding` lets the hub answer gzip. A coding named explicitly decides by its q-value
 * (`gzip;q=0` refuses it), else `*` does; a request without the header, or naming neither, gets
 * the identity encoding. An entry whose q-value is not one (`q=2`, `q=abc`) is ignored.
 */

/** A q-value as RFC 9110 writes it: 0 to 1, at most three decimals. */
const QVALUE = /^(?:0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$/;

/** The q-value of each coding the header names (lower-cased), the first naming of each. */
export function acceptedCodings(header: string | undefined): ReadonlyMap<string, number> {
  const out = new Map<string, number>();
  if (header === undefined) return out;
  for (const entry of header.split(',')) {
    const [rawCoding, ...params] = entry.split(';');
    const coding = (rawCoding ?? '').trim().toLowerCase();
    if (coding === '' || out.has(coding)) continue;
    let q = 1;
    let valid = true;
    for (const p of params) {
      const eq = p.indexOf('=');
      const name = (eq < 0 ? p : p.slice(0, eq)).trim().toLowerCase();
      if (name !== 'q') continue;
      const value = eq < 0 ? '' : p.slice(eq + 1).trim();
      if (QVALUE.test(value)) q = Number(value);
      else valid = false;
    }
    if (valid) out.set(coding, q);
  }
  return out;
}

/** Whether the request's `Accept-Encoding` allows a gzip response. */
export function acceptsGzip(header: string | undefined): boolean {
  const codings = acceptedCodings(header);
  const q = codings.get('gzip') ?? codings.get('x-gzip') ?? codings.get('*');
  return q !== undefined && q > 0;
}
