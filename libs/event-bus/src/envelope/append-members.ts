/**
 * The publisher signs an envelope's JSON text, then sends that text with the
 * signature attributes appended rather than serialising the envelope again.
 */

/** String members as JSON text to append to an object's: `,"name":"value"…`. */
export const membersText = (
  members: Readonly<Record<string, string>>,
): string => `,${JSON.stringify(members).slice(1, -1)}`;

/**
 * `objectText`, the JSON text of a non-empty object, with `members` added
 * last: what `JSON.stringify` gives once they are added to the object.
 */
export const withMembersAppended = (
  objectText: string,
  members: Readonly<Record<string, string>>,
): string => `${objectText.slice(0, -1)}${membersText(members)}}`;
