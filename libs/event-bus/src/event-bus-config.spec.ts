import { ConfigService } from '@nestjs/config';
import {
  deadLetterBounds,
  eventBusOptionsFromConfig,
  streamMaxRetentionSeconds,
  streamRetentionSeconds,
} from './event-bus-config.js';

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

describe('streamMaxRetentionSeconds', () => {
  it('is a week by default', () => {
    expect(streamMaxRetentionSeconds({})).toBe(604_800);
  });

  it('is never below the ordinary retention', () => {
    expect(
      streamMaxRetentionSeconds({
        streamMaxRetentionSeconds: 120,
        streamRetentionSeconds: 7_200,
      }),
    ).toBe(7_200);
  });
});

describe('eventBusOptionsFromConfig', () => {
  it('reads the retention ceiling and the dead-letter bounds', () => {
    const config = new ConfigService({
      EVENT_STREAM_MAX_RETENTION_SECONDS: 3_600,
      EVENT_BUS_DEAD_LETTER_MAX_PER_GROUP: 500,
      EVENT_BUS_DEAD_LETTER_MAX_AGE_SECONDS: 86_400,
    });

    const options = eventBusOptionsFromConfig('user-service', config);

    expect(options.streamMaxRetentionSeconds).toBe(3_600);
    expect(deadLetterBounds(options)).toEqual({
      maxPerGroup: 500,
      maxAgeSeconds: 86_400,
    });
  });

  it('keeps dead letters within defaults that fit memory when unset', () => {
    expect(deadLetterBounds({})).toEqual({
      maxPerGroup: 10_000,
      maxAgeSeconds: 1_209_600,
    });
  });
});
