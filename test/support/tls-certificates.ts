import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A private CA and a server certificate for 127.0.0.1 that it signed. */
export interface TestCertificates {
  readonly dir: string;
  readonly caFile: string;
  readonly certFile: string;
  readonly keyFile: string;
  /** A second CA that signed nothing here: clients trusting it must refuse. */
  readonly otherCaFile: string;
  /** Removes the folder. */
  remove(): void;
}

/**
 * Makes certificates for a TLS test with the `openssl` command (in every
 * Debian and most other images): short-lived, in a temporary folder.
 */
export function makeTestCertificates(): TestCertificates {
  const dir = mkdtempSync(join(tmpdir(), 'e2e-tls-'));
  const path = (name: string) => join(dir, name);
  const openssl = (...args: string[]) =>
    execFileSync('openssl', args, { stdio: 'pipe' });
  const makeCa = (name: string) =>
    openssl(
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '2',
      '-subj',
      `/CN=${name}`,
      '-keyout',
      path(`${name}.key`),
      '-out',
      path(`${name}.pem`),
    );
  try {
    // Clients check the address they dialled against the subjectAltName.
    writeFileSync(path('server.ext'), 'subjectAltName=IP:127.0.0.1\n');
    makeCa('test-ca');
    makeCa('other-ca');
    openssl(
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-subj',
      '/CN=127.0.0.1',
      '-keyout',
      path('server.key'),
      '-out',
      path('server.csr'),
    );
    openssl(
      'x509',
      '-req',
      '-in',
      path('server.csr'),
      '-days',
      '2',
      '-CA',
      path('test-ca.pem'),
      '-CAkey',
      path('test-ca.key'),
      '-CAcreateserial',
      '-out',
      path('server.pem'),
      '-extfile',
      path('server.ext'),
    );
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    dir,
    caFile: path('test-ca.pem'),
    certFile: path('server.pem'),
    keyFile: path('server.key'),
    otherCaFile: path('other-ca.pem'),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
