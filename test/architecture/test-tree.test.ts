/** The test-tree rule on made-up trees first (it must be able to fail), then on the real tree. */
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { strayTestFolders } from './test-tree.js';

const root = path.resolve(import.meta.dirname, '../..');

/** Folders under `dir` that hold a file somewhere below (git keeps no empty folder, so neither does this). */
function foldersUnder(dir: string, prefix = ''): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .flatMap((e) => {
      const rel = prefix === '' ? e.name : `${prefix}/${e.name}`;
      const below = foldersUnder(path.join(dir, e.name), rel);
      const holdsFile = below.length > 0 || readdirSync(path.join(dir, e.name), { withFileTypes: true }).some((f) => f.isFile());
      return holdsFile ? [rel, ...below] : [];
    });
}

describe('test tree', () => {
  const code = new Set(['src/wmbus', 'src/wmbus/frame', 'src/gateway', 'drivers', 'drivers/spi']);
  const exists = (f: string): boolean => code.has(f);

  it('accepts folders that mirror src/ or drivers/, the free top-level folders and fixtures at any depth', () => {
    const tree = ['wmbus', 'wmbus/frame', 'gateway', 'drivers', 'drivers/spi', 'support', 'conformance', 'gateway/fixtures/x'];
    expect(strayTestFolders(tree, exists)).toEqual([]);
  });

  it('names a folder with no code counterpart, and where it should have gone', () => {
    expect(strayTestFolders(['frame', 'wmbus/phy', 'drivers/gpio', 'src'], exists)).toEqual([
      'test/frame names no folder src/frame: move its tests to the folder of the code they test',
      'test/wmbus/phy names no folder src/wmbus/phy: move its tests to the folder of the code they test',
      'test/drivers/gpio names no folder drivers/gpio: move its tests to the folder of the code they test',
      'test/src names no folder src/src: move its tests to the folder of the code they test',
    ]);
  });

  it('every folder of test/ names a folder of src/ or drivers/', () => {
    const folders = foldersUnder(path.join(root, 'test'));
    expect(folders.length).toBeGreaterThan(10);
    const isFolder = (f: string): boolean => existsSync(path.join(root, f)) && statSync(path.join(root, f)).isDirectory();
    expect(strayTestFolders(folders, isFolder)).toEqual([]);
  });
});
