import {
  BadRequestException,
  Injectable,
  type PipeTransform,
} from '@nestjs/common';
import { ORGANIZATION_ID_PATTERN } from './organization-id.js';
import { ORGANIZATIONS_MESSAGES } from './organizations.messages.js';

/** 400 naming `id` for an organization id that could never exist. */
@Injectable()
export class ParseOrganizationIdPipe implements PipeTransform<unknown, string> {
  transform(value: unknown): string {
    if (typeof value !== 'string' || !ORGANIZATION_ID_PATTERN.test(value)) {
      throw new BadRequestException(ORGANIZATIONS_MESSAGES.invalidId);
    }
    return value;
  }
}
