// Names of `.env` copies and editor leftovers: each one holds the same secrets as `.env` but none of
// its protection (the web server's dotfile rule may match `.env` only, and the mode is whatever the
// editor or `cp` gave it).

/** Templates that ship with Cachet or Laravel and hold no secrets of this install. */
const TEMPLATES = new Set(['.env.example', '.env.sample', '.env.dist', '.env.template']);

/**
 * Returns whether a file name is a copy or editor leftover of `.env`: `.env.bak*`, `.env.backup`,
 * `.env.save` (nano), `.env.old`, `.env.orig`, `.env~`, `.env.swp`/`.swo` (vim), `#.env#` and `.#.env`
 * (emacs), `.env.production` and other per-environment copies, `env.bak`-style names without the dot.
 */
export function isEnvCopyName(name: string): boolean {
  if (name === '.env' || TEMPLATES.has(name)) return false;
  if (name.startsWith('.env')) return true;
  if (name === '#.env#' || name === '.#.env') return true;
  // Copies made without the leading dot, e.g. `env.bak`, `env.backup`, `env.old`.
  return /^env[.~_-](bak|backup|old|orig|save|copy|prod|production)/i.test(name) || name === 'env~';
}
