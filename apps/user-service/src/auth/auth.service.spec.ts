import {
  ForbiddenException,
  HttpException,
  HttpStatus,
  ServiceUnavailableException,
  UnauthorizedException,
} from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import type { AccessTokenClaims } from '@app/common';
import {
  FakeLoginAttemptsLimiter,
  FakePasswordHasher,
  FakeUserEvents,
  FakeUsersRepository,
} from '../../test/support/fakes.js';
import type { UserEventsPublisher } from '../users/user-events.publisher.js';
import type { UsersRepository } from '../users/users.repository.js';
import { AuthService } from './auth.service.js';
import type { LoginAttemptsLimiter } from './login-attempts.limiter.js';

const jwt = new JwtService({
  secret: 'unit-test-secret-0123456789',
  signOptions: { expiresIn: 60 },
});
const CLIENT = '127.0.0.1';

function setup() {
  const repository = new FakeUsersRepository();
  const limiter = new FakeLoginAttemptsLimiter();
  const events = new FakeUserEvents();
  const service = new AuthService(
    repository as unknown as UsersRepository,
    new FakePasswordHasher(),
    limiter as unknown as LoginAttemptsLimiter,
    jwt,
    events as unknown as UserEventsPublisher,
  );
  return { service, repository, limiter, events };
}

const status = (promise: Promise<unknown>) =>
  promise.then(
    () => 200,
    (error: HttpException) => error.getStatus(),
  );

describe('AuthService', () => {
  it('issues a JWT with sub, role and email and emits auth.login', async () => {
    const { service, repository, events } = setup();
    const user = await repository.seed({
      email: 'ada@example.com',
      role: 'worker',
    });

    const { accessToken } = await service.login(
      {
        email: 'ADA@example.com',
        password: 'correct horse',
      },
      CLIENT,
    );

    const claims = await jwt.verifyAsync<AccessTokenClaims>(accessToken);
    expect(claims).toMatchObject({
      sub: user.id,
      role: 'worker',
      email: 'ada@example.com',
    });
    expect(events.ofType('auth.login')).toHaveLength(1);
  });

  it('answers 401 for a wrong password and counts it', async () => {
    const { service, repository, limiter } = setup();
    await repository.seed({ email: 'ada@example.com' });

    await expect(
      service.login({ email: 'ada@example.com', password: 'wrong' }, CLIENT),
    ).rejects.toBeInstanceOf(UnauthorizedException);
    expect(limiter.failures.get('ada@example.com')).toBe(1);
  });

  it('counts failures for an unknown e-mail too', async () => {
    const { service, limiter } = setup();

    await expect(
      service.login(
        { email: 'Nobody@example.com', password: 'whatever' },
        CLIENT,
      ),
    ).rejects.toBeInstanceOf(UnauthorizedException);
    expect(limiter.failures.get('nobody@example.com')).toBe(1);
  });

  it('answers 429 after 5 failures, even with the right password', async () => {
    const { service, repository } = setup();
    await repository.seed({ email: 'ada@example.com' });
    const wrong = { email: 'ada@example.com', password: 'wrong' };

    const statuses = [];
    for (let i = 0; i < 5; i++)
      statuses.push(await status(service.login(wrong, CLIENT)));
    const sixth = await status(
      service.login(
        { email: 'ada@example.com', password: 'correct horse' },
        CLIENT,
      ),
    );

    expect(statuses).toEqual([401, 401, 401, 401, 401]);
    expect(sixth).toBe(HttpStatus.TOO_MANY_REQUESTS);
  });

  it('clears the failures on a successful login', async () => {
    const { service, repository, limiter } = setup();
    await repository.seed({ email: 'ada@example.com' });
    for (let i = 0; i < 4; i++) {
      await status(
        service.login({ email: 'ada@example.com', password: 'x' }, CLIENT),
      );
    }

    await service.login(
      {
        email: 'ada@example.com',
        password: 'correct horse',
      },
      CLIENT,
    );

    expect(limiter.failures.has('ada@example.com')).toBe(false);
  });

  it('answers 403 to an unverified user with the right password, uncounted', async () => {
    const { service, repository, limiter, events } = setup();
    await repository.seed({ email: 'ada@example.com', verifiedAt: null });

    await expect(
      service.login(
        { email: 'ada@example.com', password: 'correct horse' },
        CLIENT,
      ),
    ).rejects.toBeInstanceOf(ForbiddenException);
    expect(limiter.failures.has('ada@example.com')).toBe(false);
    expect(events.emitted).toHaveLength(0);
  });

  it('answers 401, not 403, to an unverified user with a wrong password', async () => {
    const { service, repository } = setup();
    await repository.seed({ email: 'ada@example.com', verifiedAt: null });

    await expect(
      service.login({ email: 'ada@example.com', password: 'wrong' }, CLIENT),
    ).rejects.toBeInstanceOf(UnauthorizedException);
  });

  it('passes on 503 when the failure counter cannot be reached', async () => {
    const { service, repository, limiter } = setup();
    await repository.seed({ email: 'ada@example.com' });
    limiter.unavailable = new ServiceUnavailableException('cache down');

    await expect(
      service.login(
        { email: 'ada@example.com', password: 'correct horse' },
        CLIENT,
      ),
    ).rejects.toBeInstanceOf(ServiceUnavailableException);
  });

  it('does not count an attempt that failed for another reason', async () => {
    const { service, repository, limiter } = setup();
    repository.findByEmail = () => Promise.reject(new Error('database down'));

    await expect(
      service.login({ email: 'ada@example.com', password: 'x' }, CLIENT),
    ).rejects.toThrow('database down');
    expect(limiter.failures.has('ada@example.com')).toBe(false);
  });
});
