// Runs the built executor in its own process so a test can kill or signal it mid-run.
// Usage: node child-run.mjs <root> <stateDir> <marker>
// Plan of one step: chmod .env 0600, rewrite config/app.php, then a command that creates <marker> and
// sleeps, so two changes are recorded and applied once the marker appears.

import { join } from 'node:path';

const dist = new URL('../../../dist/', import.meta.url);
const { applyPlans } = await import(new URL('apply/executor.js', dist).href);
const { detectInstall } = await import(new URL('install/detect.js', dist).href);
const { createContext } = await import(new URL('context.js', dist).href);

const [root, stateDir, marker, sleepSeconds = '30'] = process.argv.slice(2);
const options = { path: root, cwd: '/', env: {}, dryRun: false, yes: true, json: false, probe: false, probeUrl: null, stateDir, nginxConf: null, apacheConf: null };
const ctx = createContext(await detectInstall(options), options);

const plan = {
  step: 'files',
  notes: [],
  changes: [
    { kind: 'set-mode', summary: 'chmod 0600 .env', targets: [{ path: join(root, '.env'), from: 0o644, to: 0o600 }] },
    { kind: 'write-file', summary: 'rewrite config/app.php', path: join(root, 'config', 'app.php'), content: '<?php return [];\n' },
    {
      kind: 'run-command',
      summary: 'signal readiness, then wait',
      argv: ['sh', '-c', `echo $$ > "$0"; exec sleep ${sleepSeconds}`, marker],
    },
  ],
};

const result = await applyPlans(ctx, [plan], { stateDir });
process.stdout.write(`${JSON.stringify(result)}\n`);
process.exitCode = result.outcomes.some((outcome) => outcome.status === 'failed') ? 3 : 0;
