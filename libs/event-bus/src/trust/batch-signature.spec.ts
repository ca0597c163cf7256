import { createHash } from 'node:crypto';
import { batchTree, climbProof, leafHash } from './batch-signature.js';

/** The root a proof leads to, when it is well formed. */
const rootOfProof = (leaf: Buffer, proof: string): Buffer | undefined => {
  const climb = climbProof(leaf, proof);
  return climb && !climb.known ? climb.root : undefined;
};

const leaves = (count: number) =>
  Array.from({ length: count }, (_, i) => leafHash(Buffer.from(`event ${i}`)));

describe('batch signatures: the Merkle tree', () => {
  it('leads every leaf of batches of 1 to 40 to the root through its proof', () => {
    for (let count = 1; count <= 40; count++) {
      const batch = leaves(count);
      const { root, proofs } = batchTree(batch);
      batch.forEach((leaf, i) => {
        expect(rootOfProof(leaf, proofs[i])).toEqual(root);
      });
    }
  });

  it('leads another leaf, or a proof of another position, elsewhere', () => {
    const batch = leaves(7);
    const { root, proofs } = batchTree(batch);
    expect(rootOfProof(batch[1], proofs[0])).not.toEqual(root);
    const [scheme, count, , path] = proofs[2].split('.');
    expect(
      rootOfProof(batch[2], [scheme, count, '3', path].join('.')),
    ).not.toEqual(root);
  });

  it('refuses malformed proofs', () => {
    const [leaf] = leaves(1);
    const sibling = createHash('sha256').update('x').digest('base64url');
    for (const proof of [
      '',
      'b1',
      'b1.1.0',
      'b2.1.0.',
      'b1.0.0.',
      'b1.2.2.' + sibling,
      'b1.01.0.',
      'b1.99999.0.',
      'b1.2.0.' + sibling + sibling,
      'b1.2.0.',
      'b1.2.0.abc',
      'b1.2.0.' + sibling + '!',
      'b1.1.0.' + sibling,
    ]) {
      expect(rootOfProof(leaf, proof)).toBeUndefined();
    }
  });

  it('stops at the first node known to be in a verified tree', () => {
    const batch = leaves(8);
    const { root, proofs } = batchTree(batch);
    const first = climbProof(batch[0], proofs[0]);
    expect(first).toMatchObject({ known: false, root });
    const known = new Set(
      (first as { nodes: Buffer[] }).nodes.map((node) => node.toString('hex')),
    );
    const isKnown = (node: Buffer) => known.has(node.toString('hex'));
    // Leaf 1 meets leaf 0's parent; leaf 7 meets only the root.
    expect(climbProof(batch[1], proofs[1], isKnown)).toEqual({ known: true });
    expect(climbProof(batch[7], proofs[7], isKnown)).toEqual({ known: true });
    // Another leaf with a genuine proof never meets a known node.
    const stranger = leafHash(Buffer.from('forged'));
    expect(climbProof(stranger, proofs[1], isKnown)).toMatchObject({
      known: false,
    });
  });

  it('hashes a leaf apart from an inner node', () => {
    const [a, b] = leaves(2);
    const { root } = batchTree([a, b]);
    // The root of two leaves is not the leaf hash of their concatenation.
    expect(root).not.toEqual(leafHash(Buffer.concat([a, b])));
  });
});
