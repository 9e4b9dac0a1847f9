/**
 * A data folder whose disk can fail on demand, as an SD card does: as root a small tmpfs mounted
 * for the test and remounted read-only; otherwise the folder and its files made read-only with
 * chmod, which refuses the same writes with EACCES instead of EROFS. Root ignores file modes, so
 * root without the right to mount (a CI container) also takes another effective user id while the
 * disk is read-only: that drops the capability to override them (capabilities(7), "Effect of user
 * ID changes on capabilities"), and taking user id 0 back restores it. FAULTY_DISK=chmod takes
 * the chmod way where mounting works, to try what such a CI machine does.
 */
import { execFileSync } from 'node:child_process';
import { chmod, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { isMainThread } from 'node:worker_threads';

export interface FaultyDisk {
  dir: string;
  /** 'tmpfs' when a real read-only remount is used, 'chmod' otherwise */
  kind: 'tmpfs' | 'chmod';
  readOnly(): Promise<void>;
  writable(): Promise<void>;
  remove(): Promise<void>;
}

const isRoot = process.getuid?.() === 0;
// "nobody": not the owner of the files, so only their "other" bits count.
const NOT_ROOT = 65534;

export async function faultyDisk(): Promise<FaultyDisk> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'wmbus-faulty-'));
  if (isRoot && process.env['FAULTY_DISK'] !== 'chmod' && tryMount(dir)) {
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
  // The user id is the process's: in a worker thread it would change it under other test files too.
  if (isRoot && !isMainThread) throw new Error('a faulty disk as root without mount needs a process of its own (vitest pool "forks")');
  // mkdtemp's 0700 would keep that other user out of the folder altogether (stat fails, not writes).
  if (isRoot) await chmod(dir, 0o755);
  return {
    dir,
    kind: 'chmod',
    readOnly: async () => {
      await chmodTree(dir, false);
      if (isRoot) process.seteuid!(NOT_ROOT);
    },
    writable: async () => {
      if (isRoot) process.seteuid!(0);
      await chmodTree(dir, true);
    },
    remove: async () => {
      if (isRoot) process.seteuid!(0);
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
