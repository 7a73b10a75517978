import { execFileSync } from 'node:child_process';

/** Mounts a tmpfs of `sizeMiB` on `dir`; false where the machine does not allow it (not root, no CAP_SYS_ADMIN, `FAULTS_NO_TMPFS=1`). */
export function mountTmpfs(dir: string, sizeMiB: number): boolean {
  if (process.env.FAULTS_NO_TMPFS === '1' || process.platform !== 'linux' || process.getuid?.() !== 0) return false;
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeMiB}m,mode=0755`, 'tmpfs', dir], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Unmounts `dir` (lazily if something still holds it open). */
export function unmountTmpfs(dir: string): void {
  try {
    execFileSync('umount', [dir], { stdio: 'ignore' });
  } catch {
    execFileSync('umount', ['-l', dir], { stdio: 'ignore' });
  }
}
