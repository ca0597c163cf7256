/** Orders two stream entry ids (`<ms>-<seq>`): negative, zero or positive. */
export function compareStreamIds(a: string, b: string): number {
  const [aMs, aSeq] = a.split('-').map(BigInt);
  const [bMs, bSeq] = b.split('-').map(BigInt);
  if (aMs !== bMs) return aMs < bMs ? -1 : 1;
  if (aSeq === bSeq) return 0;
  return aSeq < bSeq ? -1 : 1;
}

export const STREAM_ID = /^\d{1,20}-\d{1,20}$/;
