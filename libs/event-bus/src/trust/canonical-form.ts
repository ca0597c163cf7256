import canonicalize from 'canonicalize';

/**
 * The bytes a signature covers: the UTF-8 of the RFC 8785 (JSON
 * Canonicalization Scheme) serialisation of the envelope as it travels
 * (sensitive fields already encrypted), without the attributes in `omit`.
 * RFC 8785 sorts keys by UTF-16 code units, writes numbers as ECMAScript
 * does and drops nothing but what JSON drops (`undefined` members), so the
 * in-memory envelope and its parsed wire copy give the same bytes.
 */
export function canonicalForm(
  envelope: object,
  omit: readonly string[],
): Buffer {
  // Copied without the omitted attributes rather than deleted from a copy,
  // which leaves V8 a slower dictionary-mode object.
  const copy: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(envelope)) {
    if (!omit.includes(name)) copy[name] = value;
  }
  const text = canonicalize(copy);
  if (text === undefined) throw new TypeError('The envelope is not JSON');
  return Buffer.from(text, 'utf8');
}
