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
  const copy: Record<string, unknown> = { ...envelope };
  for (const name of omit) delete copy[name];
  const text = canonicalize(copy);
  if (text === undefined) throw new TypeError('The envelope is not JSON');
  return Buffer.from(text, 'utf8');
}
