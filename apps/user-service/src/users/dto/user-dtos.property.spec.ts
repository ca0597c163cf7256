import {
  checkDtoProperty,
  type DtoPropertyOptions,
  type DtoSource,
} from '../../../../../test/support/dto-properties.js';
import { LoginDto } from '../../auth/dto/login.dto.js';
import { RegisterUserDto } from './register-user.dto.js';
import { UpdateUserDto } from './update-user.dto.js';
import { VerifyEmailDto } from './verify-email.dto.js';

describe('user-service DTOs under arbitrary input', () => {
  it.each<[string, new () => object, DtoSource, DtoPropertyOptions]>([
    // UsersService.register reads a null role as the default, `customer`.
    [
      'RegisterUserDto',
      RegisterUserDto,
      'body',
      {
        nullMeansAbsent: true,
        valid: {
          email: 'ada@example.com',
          password: 'Correct-Horse-1',
          name: 'Ada',
          role: 'worker',
        },
      },
    ],
    // UsersService.update reads a null name or role as not given.
    [
      'UpdateUserDto',
      UpdateUserDto,
      'body',
      { nullMeansAbsent: true, valid: { name: 'Ada', role: 'worker' } },
    ],
    ['VerifyEmailDto', VerifyEmailDto, 'body', { valid: { token: 'abc' } }],
    [
      'LoginDto',
      LoginDto,
      'body',
      { valid: { email: 'ada@example.com', password: 'x' } },
    ],
  ])(
    '%s: a 400 or an instance of the declared types, never a throw',
    async (_name, dto, source, options) => {
      await checkDtoProperty(dto, source, options);
    },
  );
});
