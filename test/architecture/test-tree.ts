/**
 * The test tree mirrors the code: test/wmbus/frame/ tests src/wmbus/frame/, test/drivers/spi/ tests
 * drivers/spi/, so the tests of a module are found where its path says. A pure function of the
 * folder list, so test-tree.test.ts can prove it on made-up trees.
 */

/** Top-level test folders with no code counterpart: shared helpers, data, whole-system checks. */
export const FREE_TEST_FOLDERS: readonly string[] = ['support', 'fixtures', 'architecture', 'conformance', 'deploy'];

/** The code folder a test folder (relative to test/, with '/') stands for. */
export function counterpartOf(testFolder: string): string {
  return testFolder === 'drivers' || testFolder.startsWith('drivers/') ? testFolder : `src/${testFolder}`;
}

/**
 * Test folders that name no folder of src/ or drivers/, each with what to do. A folder named
 * `fixtures` holds data for the tests beside it, at any depth.
 */
export function strayTestFolders(testFolders: readonly string[], folderExists: (folder: string) => boolean): string[] {
  const stray: string[] = [];
  for (const folder of testFolders) {
    const parts = folder.split('/');
    if (FREE_TEST_FOLDERS.includes(parts[0] ?? '') || parts.includes('fixtures')) continue;
    const counterpart = counterpartOf(folder);
    if (!folderExists(counterpart)) {
      stray.push(`test/${folder} names no folder ${counterpart}: move its tests to the folder of the code they test`);
    }
  }
  return stray;
}
