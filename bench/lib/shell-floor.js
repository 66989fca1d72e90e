// The same audit scope as `check --only files,storage,app`, done by hand with find, stat and grep: the
// floor a user reaches without the tool. It walks the app root once, as the tool does, and prints what
// it finds; it neither masks secrets nor explains anything, so it is a lower bound on the work, not an
// equivalent of the report.

/** POSIX sh script; $1 is the app root. Uses GNU find's -printf. */
export const SHELL_AUDIT = [
  'root="$1"',
  // files: owner, group and mode of the secret files.
  'stat -c "%U:%G %a %n" "$root/.env" "$root/bootstrap/cache/config.php" 2>/dev/null',
  // files and storage: one walk for world-writable entries, `.env` copies and editor leftovers, `.git`
  // directories and logs other users can read.
  // GNU find's `,` evaluates each test on every entry; names inside vendor/ are skipped as the tool does.
  'find "$root" \\( -perm -o=w -printf "world-writable %m %p\\n" \\) , \\( ! -path "$root/vendor/*" \\( \\',
  '  -name ".env?*" -o -name "*.env" -o -name "*.bak" -o -name "*~" -o -name "*.swp" -o -name "*.save" -o -name ".git" \\) \\',
  '  ! -name ".env.example" ! -path "$root/.env" -printf "stray %m %p\\n" \\) , \\( -name "*.log" -perm -o=r -printf "readable-log %m %p\\n" \\)',
  // app: the settings that matter, read from .env.
  'grep -E "^(APP_ENV|APP_DEBUG|APP_KEY|DEBUGBAR_ENABLED|CACHET_BEACON|SESSION_SECURE_COOKIE|DB_USERNAME|DB_PASSWORD)=" "$root/.env"',
  'exit 0',
].join('\n');

export function shellAuditArgv(root) {
  return ['sh', '-c', SHELL_AUDIT, 'sh', root];
}

/** The command as a user would type it, for RESULTS.md. */
export function shellAuditDisplay() {
  return SHELL_AUDIT.replace(/^root="\$1"\n/, 'root=<tree>\n');
}
