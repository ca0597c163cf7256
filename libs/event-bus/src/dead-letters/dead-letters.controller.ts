import {
  BadRequestException,
  Body,
  Controller,
  Delete,
  ForbiddenException,
  Get,
  HttpCode,
  HttpStatus,
  NotFoundException,
  Param,
  Post,
  Query,
  ServiceUnavailableException,
  type PipeTransform,
} from '@nestjs/common';
import {
  auditLog,
  CurrentUser,
  Roles,
  type AuthenticatedUser,
} from '@app/common';
import { Type } from 'class-transformer';
import {
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import {
  DeadLetterNotFoundError,
  DeadLetterReplayRefusedError,
  DeadLetters,
  MAX_REPLAY_PAGE,
} from './dead-letters.js';

export class DeadLetterQueryDto {
  @IsOptional()
  @IsString()
  @MaxLength(200)
  group?: string;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  limit?: number;
}

export class ReplayAllDto {
  @IsOptional()
  @IsString()
  @MaxLength(200)
  group?: string;

  /** Letters replayed by this request (default 100). */
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_REPLAY_PAGE)
  limit?: number;

  /** The `cursor` of the previous page: continues the same replay-all. */
  @IsOptional()
  @Matches(/^\d{1,20}-\d{1,20}$/, {
    message: 'cursor must be the cursor of a previous replay page',
  })
  cursor?: string;
}

/** Stream entry ids look like `1700000000000-0`. */
class EntryIdPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!/^\d{1,20}-\d{1,20}$/.test(value)) {
      throw new BadRequestException(
        'id must be a dead letter id such as 1700000000000-0',
      );
    }
    return value;
  }
}

/** Admin routes over the durable transport's dead letters. */
@Controller('api/events/dead-letters')
@Roles('admin')
export class DeadLettersController {
  constructor(private readonly deadLetters: DeadLetters) {}

  @Get()
  async list(@Query() query: DeadLetterQueryDto) {
    return { items: await this.run(() => this.deadLetters.list(query)) };
  }

  /**
   * Replays the dead letters (of one consumer group, if given) in pages of
   * `limit`: the answer says how many remain and gives the `cursor` of the
   * next page; letters added after the first page are left alone.
   */
  @Post('replay')
  @HttpCode(HttpStatus.OK)
  async replayAll(
    @CurrentUser() admin: AuthenticatedUser,
    @Body() body: ReplayAllDto,
  ) {
    const page = await this.run(() => this.deadLetters.replayPage(body));
    auditLog(admin, 'dead-letters.replay-all', `group:${body.group ?? '*'}`, {
      replayed: page.replayed,
    });
    return page;
  }

  @Post(':id/replay')
  @HttpCode(HttpStatus.OK)
  async replay(
    @CurrentUser() admin: AuthenticatedUser,
    @Param('id', EntryIdPipe) id: string,
  ) {
    const entryId = await this.run(() => this.deadLetters.replay(id));
    auditLog(admin, 'dead-letter.replay', `dead-letter:${id}`, { entryId });
    return { replayed: id, entryId };
  }

  @Delete(':id')
  @HttpCode(HttpStatus.NO_CONTENT)
  async remove(
    @CurrentUser() admin: AuthenticatedUser,
    @Param('id', EntryIdPipe) id: string,
  ): Promise<void> {
    await this.run(() => this.deadLetters.remove(id));
    auditLog(admin, 'dead-letter.delete', `dead-letter:${id}`);
  }

  private async run<T>(action: () => Promise<T>): Promise<T> {
    try {
      return await action();
    } catch (error) {
      if (error instanceof DeadLetterNotFoundError) {
        throw new NotFoundException(error.message);
      }
      if (error instanceof DeadLetterReplayRefusedError) {
        throw new ForbiddenException(error.message);
      }
      throw new ServiceUnavailableException(
        `The dead letters cannot be reached now: ${(error as Error).message}`,
      );
    }
  }
}
