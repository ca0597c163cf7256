import { membersText, withMembersAppended } from './append-members.js';

describe('appending members to JSON text', () => {
  const cases: Array<Record<string, string>> = [
    { signature: 'AbC-_09', signaturekeyid: 'k1.2', signatureproof: '' },
    { 'needs "quotes"': 'back\\slash', line: 'a\nb\u0001', tab: '\t' },
    { accents: 'é\u{1F600}', lone: '\ud800', separators: '\u2028\u2029' },
    { '0': 'number-like name', plain: 'x' },
  ];

  it('writes the members as JSON.stringify does, escapes and all', () => {
    for (const members of cases) {
      expect(membersText(members)).toBe(
        `,${JSON.stringify(members).slice(1, -1)}`,
      );
    }
  });

  it('gives the text JSON.stringify gives once the members are added last', () => {
    const envelope = { id: '1', data: { a: [1, 'two'] } };
    // Not names like '0', which objects order before all others.
    for (const members of cases.slice(0, 3)) {
      expect(
        withMembersAppended(JSON.stringify(envelope), membersText(members)),
      ).toBe(JSON.stringify(Object.assign({}, envelope, members)));
    }
  });
});
