import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TrustKeyStore } from './key-store.js';

describe('TrustKeyStore', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'keys-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('creates a signing key pair once, private key readable by the owner only, and says so', () => {
    const created: string[] = [];
    const store = new TrustKeyStore(dir, (what) => created.push(what));

    const first = store.signingKey('user-service', 'user');
    const again = new TrustKeyStore(dir).signingKey('user-service', 'user');

    expect(again.keyId).toBe(first.keyId);
    expect(created).toEqual([expect.stringContaining(first.keyId)]);
    const mode = statSync(join(dir, 'private', `${first.keyId}.pem`)).mode;
    expect(mode & 0o777).toBe(0o600);
    expect(readdirSync(join(dir, 'public'))).toEqual([`${first.keyId}.json`]);
  });

  it('keeps one key per service and role', () => {
    const store = new TrustKeyStore(dir);
    const user = store.signingKey('user-service', 'user');
    const booking = store.signingKey('booking-service', 'booking');
    expect(user.keyId).not.toBe(booking.keyId);
    expect(store.publicKey(user.keyId)).toMatchObject({
      service: 'user-service',
      role: 'user',
    });
  });

  it('reloads the folder for an unknown key id, at most once a second', () => {
    let now = 1_000_000;
    const consumer = new TrustKeyStore(dir, undefined, () => now);
    consumer.load();
    const early = new TrustKeyStore(dir).signingKey('early-service', null);
    expect(consumer.publicKey(early.keyId)).toMatchObject({
      service: 'early-service',
    });

    expect(consumer.publicKey('forged-id')).toBeUndefined();
    const late = new TrustKeyStore(dir).signingKey('late-service', null);
    expect(consumer.publicKey(late.keyId)).toBeUndefined();
    now += 1_000;
    expect(consumer.publicKey(late.keyId)).toMatchObject({
      service: 'late-service',
    });
  });

  it('creates a data key when there is none and keeps older ones readable', () => {
    let now = Date.parse('2026-01-01T00:00:00Z');
    const store = new TrustKeyStore(dir, undefined, () => now);
    const first = store.currentDataKey();
    expect(first.key).toHaveLength(32);
    expect(
      statSync(join(dir, 'data', `${first.keyId}.json`)).mode & 0o777,
    ).toBe(0o600);
    expect(store.currentDataKey().keyId).toBe(first.keyId);
    expect(store.dataKey(first.keyId)?.key).toEqual(first.key);
    now += 2_000;
    expect(store.dataKey('missing')).toBeUndefined();
  });
});
