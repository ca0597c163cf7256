import {
  checkDtoProperty,
  type DtoPropertyOptions,
  type DtoSource,
} from '../../../test/support/dto-properties.js';
import {
  DeadLetterQueryDto,
  ReplayAllDto,
} from './dead-letters/dead-letters.controller.js';
import {
  HistoryQueryDto,
  PublishEventDto,
  PublishTargetsDto,
} from './event-bus.dto.js';

describe('event-bus HTTP DTOs under arbitrary input', () => {
  it.each<[string, new () => object, DtoSource, DtoPropertyOptions]>([
    ['HistoryQueryDto', HistoryQueryDto, 'query', {}],
    // EventBus.publish reads the targets as truthy or not.
    [
      'PublishEventDto',
      PublishEventDto,
      'body',
      {
        extraKeys: ['localOnly', 'redisOnly'],
        nullMeansAbsent: true,
        valid: {
          type: 'user.deleted',
          payload: { userId: 'u' },
          options: { localOnly: true },
        },
      },
    ],
    [
      'PublishTargetsDto',
      PublishTargetsDto,
      'body',
      { nullMeansAbsent: true, valid: { localOnly: false, redisOnly: true } },
    ],
    ['DeadLetterQueryDto', DeadLetterQueryDto, 'query', {}],
    // DeadLetters.replayPage defaults a null limit and cursor with `??`.
    [
      'ReplayAllDto',
      ReplayAllDto,
      'body',
      {
        nullMeansAbsent: true,
        valid: { group: 'g', limit: 10, cursor: '1700000000000-0' },
      },
    ],
  ])(
    '%s: a 400 or an instance of the declared types, never a throw',
    async (_name, dto, source, options) => {
      await checkDtoProperty(dto, source, options);
    },
  );
});
