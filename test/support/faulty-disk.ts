/**
 * A data folder whose disk can fail on demand, as an SD card does: as root a small tmpfs mounted
 * for the test and remounted read-only; otherwise (CI without root) the folder and its files made
 * read-only with chmod, which refuses the same writes with EACCES instead of EROFS.
 */
import { execFileSync } from 'node:child_process';
import { chmod, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

export interface FaultyDisk {
  dir: string;
  /** 'tmpfs' when a real read-only remount is used, 'chmod' otherwise */
  kind: 'tmpfs' | 'chmod';
  readOnly(): Promise<void>;
  writable(): Promise<void>;
  remove(): Promise<void>;
}

const isRoot = process.getuid?.() === 0;

export async function faultyDisk(): Promise<FaultyDisk> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'wmbus-faulty-'));
  if (isRoot && tryMount(dir)) {
    return {
      dir,
      kind: 'tmpfs',
      readOnly: async () => void execFileSync('mount', ['-o', 'remount,ro', dir]),
      writable: async () => void execFileSync('mount', ['-o', 'remount,rw', dir]),
      remove: async () => {
        execFileSync('umount', [dir]);
        await rm(dir, { recursive: true, force: true });
      },
    };
  }
  return {
    dir,
    kind: 'chmod',
    readOnly: () => chmodTree(dir, false),
    writable: () => chmodTree(dir, true),
    remove: async () => {
      await chmodTree(dir, true);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function tryMount(dir: string): boolean {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', dir], { stdio: 'ignore' });
    return true;
  } catch {
    return false; // a container without CAP_SYS_ADMIN: chmod below
  }
}

async function chmodTree(p: string, writable: boolean): Promise<void> {
  const s = await stat(p);
  const mode = s.mode & 0o777;
  await chmod(p, writable ? mode | 0o200 : mode & ~0o222);
  if (s.isDirectory()) for (const e of await readdir(p)) await chmodTree(path.join(p, e), writable);
}
