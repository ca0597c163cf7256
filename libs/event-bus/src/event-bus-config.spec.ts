import { streamRetentionSeconds } from './event-bus-config.js';

describe('streamRetentionSeconds', () => {
  it('keeps events a day by default', () => {
    expect(streamRetentionSeconds({})).toBe(86_400);
  });

  it('takes the configured retention', () => {
    expect(
      streamRetentionSeconds({
        streamRetentionSeconds: 7_200,
        historyTtlSeconds: 3_600,
      }),
    ).toBe(7_200);
  });

  it('never keeps events shorter than the history lists them', () => {
    expect(
      streamRetentionSeconds({
        streamRetentionSeconds: 60,
        historyTtlSeconds: 3_600,
      }),
    ).toBe(3_600);
    expect(streamRetentionSeconds({ streamRetentionSeconds: 60 })).toBe(3_600);
  });
});
