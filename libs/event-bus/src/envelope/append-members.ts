/**
 * The publisher signs an envelope's JSON text, then sends that text with the
 * signature attributes appended rather than serialising the envelope again.
 */

/** Text JSON writes inside a string as it is (no escapes). */
const PLAIN_TEXT = /^[\w.-]*$/;

/** `JSON.stringify(value)`, without its cost for the common plain ids. */
const jsonString = (value: string): string =>
  PLAIN_TEXT.test(value) ? `"${value}"` : JSON.stringify(value);

/**
 * String members as JSON text to append to an object's: `,"name":"value"…`,
 * as `JSON.stringify` writes them.
 */
export function membersText(members: Readonly<Record<string, string>>): string {
  let text = '';
  for (const name of Object.keys(members)) {
    text += `,${jsonString(name)}:${jsonString(members[name])}`;
  }
  return text;
}

/**
 * `objectText`, the JSON text of a non-empty object, with members (their
 * `membersText`) added last: what `JSON.stringify` gives once they are
 * added to the object (when no name is an array index, which objects order
 * first).
 */
export const withMembersAppended = (
  objectText: string,
  members: string,
): string => `${objectText.slice(0, -1)}${members}}`;
