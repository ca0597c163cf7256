import { hash } from 'node:crypto';

/**
 * One signature over a batch of envelopes: a Merkle tree of their canonical
 * forms (SHA-256; leaves and inner nodes hashed with distinct prefixes, so
 * neither can pass for the other), the root signed once. Each envelope
 * carries the proof of its leaf, `b1.<leaves>.<index>.<siblings>` (siblings
 * bottom-up, 32 bytes each, base64url), from which a consumer recomputes the
 * root; it verifies each root's signature once and remembers it.
 */

/** Envelopes signed together at most; proofs stay under 300 characters. */
export const MAX_BATCH_LEAVES = 32;
/** Batches a consumer accepts at most (room for a later larger batch). */
const MAX_ACCEPTED_LEAVES = 1_024;
const PROOF_SCHEME = 'b1';
const HASH_BYTES = 32;
/** What the signature covers: this context, then the root. */
const SIGNED_CONTEXT = Buffer.from('eventbus batch signature v1\n', 'utf8');
const LEAF_PREFIX = Buffer.from([0]);
const NODE_PREFIX = Buffer.from([1]);

// One-shot hashing: a Hash object per node cost several times the digest.
const sha256 = (...parts: Buffer[]): Buffer =>
  hash('sha256', Buffer.concat(parts), 'buffer');

export const leafHash = (canonical: Buffer): Buffer =>
  sha256(LEAF_PREFIX, canonical);

const nodeHash = (left: Buffer, right: Buffer): Buffer =>
  sha256(NODE_PREFIX, left, right);

/** The bytes the batch's signature covers. */
export const signedRoot = (root: Buffer): Buffer =>
  Buffer.concat([SIGNED_CONTEXT, root]);

/**
 * The root of the tree over `leaves` and each leaf's proof. A node without
 * a sibling (the last of an odd level) goes up unchanged.
 */
export function batchTree(leaves: readonly Buffer[]): {
  root: Buffer;
  proofs: string[];
} {
  if (leaves.length === 0)
    throw new RangeError('A batch has one leaf at least');
  const siblings: Buffer[][] = leaves.map(() => []);
  // Which leaves each node of the current level covers.
  let level = leaves.map((hash, index) => ({ hash, covers: [index] }));
  while (level.length > 1) {
    const next: typeof level = [];
    for (let i = 0; i < level.length; i += 2) {
      const left = level[i];
      const right = level[i + 1];
      if (!right) {
        next.push(left);
        continue;
      }
      for (const leaf of left.covers) siblings[leaf].push(right.hash);
      for (const leaf of right.covers) siblings[leaf].push(left.hash);
      next.push({
        hash: nodeHash(left.hash, right.hash),
        covers: [...left.covers, ...right.covers],
      });
    }
    level = next;
  }
  return {
    root: level[0].hash,
    proofs: siblings.map((path, index) =>
      [
        PROOF_SCHEME,
        leaves.length,
        index,
        Buffer.concat(path).toString('base64url'),
      ].join('.'),
    ),
  };
}

/** Where a proof leads: to a node known to be authentic, or to its root. */
export type Climb =
  { known: true } | { known: false; root: Buffer; nodes: Buffer[] };

/**
 * Climbs from `leaf` along `proof`: stops at the first node `isKnown` says
 * is in a tree already verified, else gives the root and the nodes it
 * computed (the leaf's ancestors, the root last). Undefined when the proof is malformed
 * (another scheme, an index outside the batch, a path of the wrong length).
 */
export function climbProof(
  leaf: Buffer,
  proof: string,
  isKnown: (node: Buffer) => boolean = () => false,
): Climb | undefined {
  const parts = proof.split('.');
  if (parts.length !== 4 || parts[0] !== PROOF_SCHEME) return undefined;
  const [, leavesText, indexText, path] = parts;
  if (
    !/^[1-9]\d{0,3}$/.test(leavesText) ||
    !/^(0|[1-9]\d{0,3})$/.test(indexText) ||
    !/^[A-Za-z0-9_-]*$/.test(path)
  ) {
    return undefined;
  }
  let count = Number(leavesText);
  let index = Number(indexText);
  if (count > MAX_ACCEPTED_LEAVES || index >= count) return undefined;
  const siblings = Buffer.from(path, 'base64url');
  if (siblings.length !== HASH_BYTES * siblingsNeeded(count, index)) {
    return undefined;
  }
  let hash = leaf;
  // Only computed nodes are looked up: a known leaf with a borrowed or
  // altered proof is still refused.
  const nodes: Buffer[] = [];
  let used = 0;
  while (count > 1) {
    if (index % 2 === 1 || index + 1 < count) {
      const sibling = siblings.subarray(used, used + HASH_BYTES);
      used += HASH_BYTES;
      hash =
        index % 2 === 1 ? nodeHash(sibling, hash) : nodeHash(hash, sibling);
      nodes.push(hash);
      if (isKnown(hash)) return { known: true };
    }
    index = Math.floor(index / 2);
    count = Math.ceil(count / 2);
  }
  // A batch of one: its root is its leaf.
  if (nodes.length === 0) nodes.push(hash);
  return { known: false, root: hash, nodes };
}

/** How many siblings the proof of leaf `index` of `count` leaves holds. */
function siblingsNeeded(count: number, index: number): number {
  let needed = 0;
  while (count > 1) {
    if (index % 2 === 1 || index + 1 < count) needed += 1;
    index = Math.floor(index / 2);
    count = Math.ceil(count / 2);
  }
  return needed;
}
