import { fatal } from './protocol.js';

/**
 * Entry point of every bench child process: `node child.js <role>` loads
 * `roles/<role>.js`, which sets itself up and serves the main process's
 * requests (see protocol.ts). Each role loads only what it uses, so a raw
 * baseline never pays for Nest or PGlite.
 */
const role = process.argv[2];
try {
  if (!/^[a-z-]+$/.test(role ?? '')) throw new Error(`bad role "${role}"`);
  await import(`./roles/${role}.js`);
} catch (error) {
  fatal(error);
}
