import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  randomUUID,
  type KeyObject,
} from 'node:crypto';
import {
  existsSync,
  linkSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { isServiceRole, type ServiceRole } from '@app/contracts';
import { KEY_RELOAD_INTERVAL_MS } from './trust.constants.js';
import { EventBusKeysError } from './trust.errors.js';

/**
 * A public signing key as stored in `public/<keyId>.json`: the key speaks
 * for `service`, which plays `role` (null: a service with no role, e.g. a
 * test or a tool, trusted by no service that has one).
 */
export interface PublicKeyRecord {
  keyId: string;
  service: string;
  role: ServiceRole | null;
  /** SPKI PEM of the Ed25519 public key. */
  publicKey: string;
  createdAt: string;
}

export interface TrustedKey {
  keyId: string;
  service: string;
  role: ServiceRole | null;
  key: KeyObject;
  createdAt: string;
}

export interface SigningKey {
  keyId: string;
  key: KeyObject;
}

/** An AES-256-GCM key of `data/<keyId>.json`. */
export interface DataKey {
  keyId: string;
  key: Buffer;
  createdAt: string;
}

/** Creates a key that was missing; for the start-up log line. */
export type KeyCreatedListener = (what: string) => void;

const PUBLIC = 'public';
const PRIVATE = 'private';
const DATA = 'data';

/**
 * The keys of the bus in `EVENT_BUS_KEYS_DIR`:
 * `public/<keyId>.json` (every service's public signing keys, shared),
 * `private/<keyId>.pem` (this service's Ed25519 private keys, mode 0600)
 * and `data/<keyId>.json` (AES-256-GCM keys of the sensitive fields, mode
 * 0600). Every key stays valid while its file is there, so keys rotate by
 * adding a new one (the newest signs and encrypts) and removing the old one
 * once nothing in flight uses it. Files appear atomically (written under a
 * temporary name, then hard-linked to their name), so instances and tests
 * sharing the folder never read half a key.
 */
export class TrustKeyStore {
  private publicKeys = new Map<string, TrustedKey>();
  private dataKeys = new Map<string, DataKey>();
  /** When a lookup of an unknown id last reloaded the folder. */
  private lastMissReload = Number.NEGATIVE_INFINITY;

  constructor(
    readonly dir: string,
    private readonly onCreated: KeyCreatedListener = () => undefined,
    private readonly now: () => number = Date.now,
  ) {}

  /** Reads the folder again. */
  load(): void {
    const publicKeys = new Map<string, TrustedKey>();
    for (const record of readJsonFiles<PublicKeyRecord>(
      join(this.dir, PUBLIC),
    )) {
      try {
        publicKeys.set(record.keyId, {
          keyId: record.keyId,
          service: record.service,
          role: isServiceRole(record.role) ? record.role : null,
          key: createPublicKey(record.publicKey),
          createdAt: record.createdAt,
        });
      } catch {
        // A malformed file trusts nothing; the other keys still count.
      }
    }
    this.publicKeys = publicKeys;
    const dataKeys = new Map<string, DataKey>();
    for (const record of readJsonFiles<{
      keyId: string;
      key: string;
      createdAt: string;
    }>(join(this.dir, DATA))) {
      const key = Buffer.from(String(record.key), 'base64');
      if (key.length === 32) {
        dataKeys.set(record.keyId, {
          keyId: record.keyId,
          key,
          createdAt: record.createdAt,
        });
      }
    }
    this.dataKeys = dataKeys;
  }

  /**
   * The public key `keyId`; an unknown id reloads the folder first (a
   * service that started after us, or a new key), at most once a second.
   */
  publicKey(keyId: string): TrustedKey | undefined {
    const known = this.publicKeys.get(keyId);
    if (known || !this.reloadForMiss()) return known;
    return this.publicKeys.get(keyId);
  }

  /** Like `publicKey`, for data keys. */
  dataKey(keyId: string): DataKey | undefined {
    const known = this.dataKeys.get(keyId);
    if (known || !this.reloadForMiss()) return known;
    return this.dataKeys.get(keyId);
  }

  /**
   * Reloads the folder for an id it does not know, unless a miss reloaded
   * it less than a second ago: forged key ids cannot make it read the
   * folder more often than that.
   */
  private reloadForMiss(): boolean {
    const now = this.now();
    if (now - this.lastMissReload < KEY_RELOAD_INTERVAL_MS) return false;
    this.lastMissReload = now;
    this.load();
    return true;
  }

  /** The newest data key, created when there is none. */
  currentDataKey(): DataKey {
    const newest = newestOf([...this.dataKeys.values()]);
    if (newest) return newest;
    this.load();
    return newestOf([...this.dataKeys.values()]) ?? this.createDataKey();
  }

  /**
   * The newest private key of `service` in `role`, created with its public
   * key when there is none.
   */
  signingKey(service: string, role: ServiceRole | null): SigningKey {
    this.load();
    const own = [...this.publicKeys.values()].filter(
      (key) => key.service === service && key.role === role,
    );
    for (const candidate of own.sort(byNewest)) {
      const file = join(this.dir, PRIVATE, `${candidate.keyId}.pem`);
      if (!existsSync(file)) continue;
      try {
        return {
          keyId: candidate.keyId,
          key: createPrivateKey(readFileSync(file)),
        };
      } catch {
        // Unreadable or malformed: try the next one.
      }
    }
    return this.createSigningKey(service, role);
  }

  /**
   * Adds a new key pair for `service` (a rotation): it signs from now on,
   * the older ones stay trusted while their public key files are there.
   */
  createSigningKey(service: string, role: ServiceRole | null): SigningKey {
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    const der = publicKey.export({ type: 'spki', format: 'der' });
    const keyId = createHash('sha256').update(der).digest('hex').slice(0, 20);
    const record: PublicKeyRecord = {
      keyId,
      service,
      role,
      publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      createdAt: new Date(
        Math.max(this.now(), this.newestCreatedAt(service) + 1),
      ).toISOString(),
    };
    try {
      // The private key first: a public key is never listed without it.
      writeAtomically(
        join(this.dir, PRIVATE),
        `${keyId}.pem`,
        privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
        0o600,
      );
      writeAtomically(
        join(this.dir, PUBLIC),
        `${keyId}.json`,
        `${JSON.stringify(record, null, 2)}\n`,
        0o644,
      );
    } catch (error) {
      throw new EventBusKeysError(this.dir, error);
    }
    this.onCreated(
      `signing key ${keyId} for ${service} (role ${role ?? 'none'})`,
    );
    this.load();
    return { keyId, key: privateKey };
  }

  private newestCreatedAt(service: string): number {
    return Math.max(
      0,
      ...[...this.publicKeys.values()]
        .filter((key) => key.service === service)
        .map((key) => Date.parse(key.createdAt) || 0),
    );
  }

  private createDataKey(): DataKey {
    const key: DataKey = {
      keyId: randomUUID().replaceAll('-', '').slice(0, 20),
      key: randomBytes(32),
      createdAt: new Date(this.now()).toISOString(),
    };
    try {
      writeAtomically(
        join(this.dir, DATA),
        `${key.keyId}.json`,
        `${JSON.stringify({ ...key, key: key.key.toString('base64') })}\n`,
        0o600,
      );
    } catch (error) {
      throw new EventBusKeysError(this.dir, error);
    }
    this.onCreated(`data key ${key.keyId}`);
    this.load();
    return key;
  }
}

const byNewest = (a: { createdAt: string }, b: { createdAt: string }) =>
  b.createdAt.localeCompare(a.createdAt);

function newestOf<T extends { createdAt: string; keyId: string }>(
  keys: T[],
): T | undefined {
  // Ties (two instances creating keys at once) go to the smaller id, so
  // every service picks the same one.
  return keys.sort(
    (a, b) => byNewest(a, b) || a.keyId.localeCompare(b.keyId),
  )[0];
}

function readJsonFiles<T>(dir: string): T[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const records: T[] = [];
  for (const name of names) {
    if (!name.endsWith('.json')) continue;
    try {
      records.push(JSON.parse(readFileSync(join(dir, name), 'utf8')) as T);
    } catch {
      // Unreadable: skipped, like a key that is not there.
    }
  }
  return records;
}

/** Writes under a temporary name, then links it to `name`: all or nothing. */
function writeAtomically(
  dir: string,
  name: string,
  content: string,
  mode: number,
): void {
  // Folders of secret files are private too.
  mkdirSync(dir, { recursive: true, mode: mode === 0o600 ? 0o700 : 0o755 });
  const temporary = join(dir, `.${name}.${process.pid}.${randomUUID()}.tmp`);
  writeFileSync(temporary, content, { mode, flag: 'wx' });
  try {
    linkSync(temporary, join(dir, name));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    unlinkSync(temporary);
  }
}
