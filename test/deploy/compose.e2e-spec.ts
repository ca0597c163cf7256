import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import {
  EVENT_CATALOGUE,
  EVENT_TYPES,
  mayConsume,
  mayPublish,
  SERVICE_ROLES,
  type ServiceRole,
} from '@app/contracts';

/**
 * What docker-compose.yml and the Dockerfile promise about keys and Redis
 * access (README "Trust", "Redis access"), read from the files themselves:
 * no Docker engine is needed, so this runs wherever the suite runs.
 */

interface ComposeService {
  command?: string[] | string;
  environment?: Record<string, string | number | null>;
  volumes?: string[];
}

const compose = parse(readFileSync('docker-compose.yml', 'utf8'), {
  merge: true,
}) as { services: Record<string, ComposeService> };
const dockerfile = readFileSync('Dockerfile', 'utf8');
const aclTemplate = readFileSync('deploy/redis/event-bus.acl.template', 'utf8');

const appServices = SERVICE_ROLES.map((role) => ({
  role,
  name: `${role}-service`,
}));
const service = (name: string): ComposeService => {
  const found = compose.services[name];
  if (!found) throw new Error(`docker-compose.yml has no service ${name}`);
  return found;
};
const mountsOf = (name: string) =>
  (service(name).volumes ?? []).map((volume) => {
    const [source, target] = volume.split(':');
    return { source, target };
  });
const commandOf = (name: string) =>
  [service(name).command ?? []].flat().join(' ');

/** Roles that seal or open a sensitive field: they need the data keys. */
const handlesSensitiveFields = (role: ServiceRole) =>
  EVENT_TYPES.some(
    (type) =>
      EVENT_CATALOGUE[type].sensitive.length > 0 &&
      (mayPublish(role, type) || mayConsume(role, type)),
  );

describe('docker-compose.yml and the Dockerfile', () => {
  it.each(appServices)(
    '$name: the shared public keys, a private key volume of its own, the data keys only if it handles sensitive fields',
    ({ role, name }) => {
      expect(service(name).environment?.EVENT_BUS_KEYS_DIR).toBe('/keys');
      const mounts = mountsOf(name);
      expect(mounts).toContainEqual({
        source: 'bus-public-keys',
        target: '/keys/public',
      });
      const privateKeys = mounts.filter((m) => m.target === '/keys/private');
      expect(privateKeys).toEqual([
        { source: `${role}-private-keys`, target: '/keys/private' },
      ]);
      const others = appServices.filter((other) => other.name !== name);
      for (const other of others) {
        expect(mountsOf(other.name).map((m) => m.source)).not.toContain(
          privateKeys[0].source,
        );
      }
      expect(mounts.some((m) => m.target === '/keys/data')).toBe(
        handlesSensitiveFields(role),
      );
    },
  );

  it.each(appServices)(
    '$name: connects to the event-bus Redis as its own ACL user, with a password it must be given',
    ({ role, name }) => {
      const variable = `${role.toUpperCase()}_SERVICE_REDIS_PASSWORD`;
      expect(service(name).environment?.EVENT_BUS_REDIS_URL).toBe(
        `redis://${name}:\${${variable}:?set ${variable}}@event-bus-redis:6379`,
      );
      expect(aclTemplate).toMatch(
        new RegExp(`^user ${name} on \\{\\{password:${variable}\\}\\}`, 'm'),
      );
      expect(
        Object.keys(service('event-bus-redis').environment ?? {}),
      ).toContain(variable);
    },
  );

  it('starts the event-bus Redis with the rendered ACL (default user off) and the cache Redis with a password', () => {
    expect(commandOf('event-bus-redis')).toMatch(
      /redis-acl\.sh \/acl\/event-bus\.acl\.template \/tmp\/users\.acl .*--aclfile \/tmp\/users\.acl/,
    );
    expect(aclTemplate).toMatch(/^user default off\b/m);
    expect(commandOf('cache-redis')).toContain('--requirepass');
    expect(service('cache-redis').environment?.CACHE_REDIS_PASSWORD).toBe(
      '${CACHE_REDIS_PASSWORD:?set CACHE_REDIS_PASSWORD}',
    );
  });

  it('gives the key folders to the non-root user the image runs as, in production mode', () => {
    const keysOwned = dockerfile.search(
      /mkdir -p [^\n]*\/keys\/public \/keys\/private \/keys\/data[^\n]*\\\n\s*chown -R node:node [^\n]*\/keys/,
    );
    expect(keysOwned).toBeGreaterThan(-1);
    expect(dockerfile.indexOf('USER node')).toBeGreaterThan(keysOwned);
    expect(dockerfile).toMatch(/^ENV NODE_ENV=production/m);
  });
});
