import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package's version, for the page, the API and Home Assistant's device info. */
export const PACKAGE_VERSION = ((): string => {
  // src/ (tsx) or dist/src/ (built): the package root is one or two folders up.
  const here = path.dirname(fileURLToPath(import.meta.url));
  for (const up of [['..'], ['..', '..']]) {
    try {
      const pkg = JSON.parse(readFileSync(path.join(here, ...up, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'wmbus-gateway' && pkg.version) return pkg.version;
    } catch {
      // try the next folder
    }
  }
  return 'unknown';
})();
