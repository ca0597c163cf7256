import { createHash } from 'node:crypto';
import {
  batchTree,
  climbProof,
  leafHash,
  readProof,
  signedRoot,
  type BatchProof,
  type Digest,
} from './batch-signature.js';

const read = (proof: string): BatchProof => {
  const read = readProof(proof);
  if (!read) throw new Error(`malformed proof ${proof}`);
  return read;
};

/** The root a proof leads to, when it is well formed. */
const rootOfProof = (leaf: Digest, proof: string): Digest | undefined => {
  const parsed = readProof(proof);
  const climb = parsed && climbProof(leaf, parsed);
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

  it('writes proofs of the current scheme, b2, and reads b1 ones too', () => {
    const batch = leaves(3);
    expect(batchTree(batch).proofs[0]).toMatch(/^b2\.3\.0\./);
    const older = batchTree(batch, 'b1');
    expect(older.proofs[0]).toMatch(/^b1\.3\.0\./);
    expect(read(older.proofs[0]).scheme).toBe('b1');
    expect(rootOfProof(batch[0], older.proofs[0])).toEqual(older.root);
  });

  it('hashes a leaf given as text as its UTF-8 bytes', () => {
    expect(leafHash('é\u{1F600}')).toEqual(
      leafHash(Buffer.from('é\u{1F600}', 'utf8')),
    );
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
    const sibling = createHash('sha256').update('x').digest('base64url');
    for (const proof of [
      '',
      'b1',
      'b1.1.0',
      'b3.1.0.',
      'b1.0.0.',
      'b2.2.2.' + sibling,
      'b1.01.0.',
      'b2.99999.0.',
      'b1.2.0.' + sibling + sibling,
      'b2.2.0.',
      'b1.2.0.abc',
      'b2.2.0.' + sibling + '!',
      'b2.1.0.' + sibling,
    ]) {
      expect(readProof(proof)).toBeUndefined();
    }
  });

  it('stops at the first node it computes that a verified tree holds, climbed or used as a sibling', () => {
    const batch = leaves(8);
    const { root, proofs } = batchTree(batch);
    const first = climbProof(batch[0], read(proofs[0]));
    expect(first).toMatchObject({ known: false, root });
    // Leaf 0's climb learns 3 siblings and 3 nodes (the root last).
    expect(first.learned).toHaveLength(6);
    const known = new Set(first.learned);
    const isKnown = (node: Digest) => known.has(node);
    // Leaf 1 meets leaf 0's parent; leaf 2 the node of leaves 2 and 3,
    // a sibling of leaf 0's path; leaf 7 that of leaves 4 to 7, one level up.
    expect(climbProof(batch[1], read(proofs[1]), isKnown)).toMatchObject({
      known: true,
      learned: [expect.anything(), expect.anything()],
    });
    expect(climbProof(batch[2], read(proofs[2]), isKnown)).toMatchObject({
      known: true,
      learned: [expect.anything(), expect.anything()],
    });
    expect(climbProof(batch[7], read(proofs[7]), isKnown).learned).toHaveLength(
      4,
    );
    // A leaf is never looked up: leaf 1 (a sibling of leaf 0) with another
    // leaf's proof, and another leaf with a genuine proof, meet nothing.
    expect(climbProof(batch[1], read(proofs[2]), isKnown)).toMatchObject({
      known: false,
    });
    const stranger = leafHash(Buffer.from('forged'));
    expect(climbProof(stranger, read(proofs[1]), isKnown)).toMatchObject({
      known: false,
    });
  });

  it('hashes a leaf apart from an inner node', () => {
    const [a, b] = leaves(2);
    const { root } = batchTree([a, b]);
    // The root of two leaves is not the leaf hash of their concatenation.
    expect(root).not.toEqual(leafHash(Buffer.from(a + b, 'latin1')));
  });

  it('computes the bytes it always has: events signed earlier still verify', () => {
    // Computed by the implementation that kept digests in Buffers.
    const hex = (digest: Digest) =>
      Buffer.from(digest, 'latin1').toString('hex');
    const batch = leaves(5);
    const { root, proofs } = batchTree(batch);
    expect(hex(batch[0])).toBe(
      'a344deda6399e079700f18caccc174ed11ef1b1d164271e3a95d82c734466977',
    );
    expect(hex(leafHash('é\u{1F600}'))).toBe(
      '33911e72eb0a9c39b408719c39313a0d7e65b6891c9f832b6c40e35853fa11d1',
    );
    expect(hex(root)).toBe(
      'b5af9c41186dda1343de76873b2805a2b1421fd1a889de9fa98b2a8ed8d214be',
    );
    expect(proofs[3]).toBe(
      'b2.5.3.mwsvHVi_CGiQtBRvCe-kLKE-UlqgM5OSFWDFgU_1MIiVl6AIw5kQjdxn-IFinfvaFr5j_LdLQokvdJ3eCNM2SqUp04MNnCbEV8Lt5oJsK39MuLBH_EoJN2Ag7_d7F8Ev',
    );
    expect(signedRoot(root, 'b2').toString('hex')).toBe(
      '6576656e74627573206261746368207369676e61747572652076320ab5af9c41186dda1343de76873b2805a2b1421fd1a889de9fa98b2a8ed8d214be',
    );
    expect(rootOfProof(batch[3], proofs[3])).toBe(root);
  });
});
