// Command-line entry: parses arguments, loads only the command that runs, and maps errors to exit codes
// (0 ok, 1 findings remain or declined, 2 invalid usage or input, 3 a change failed and was rolled back).

import { Command, CommanderError, Option } from 'commander';

import { readAnswers } from './answers.js';
import { DEFAULT_STATE_DIR, type CliOptions, type Io } from './cli-options.js';
import { CancelledError, InternalError, UsageError, exitCodeOf } from './errors.js';
import { shouldColor } from './report/style.js';
import { selectSteps } from './steps/index.js';
import { SEVERITIES, STEP_IDS, type Severity, type StepId } from './types.js';
import { VERSION } from './version.js';

interface RawOptions {
  path?: string;
  dryRun?: boolean;
  yes?: boolean;
  answers?: string;
  only?: string;
  skip?: string;
  json?: boolean;
  probe?: boolean;
  probeUrl?: string;
  stateDir?: string;
  failOn?: string;
  nginxConf?: string;
  apacheConf?: string;
  color?: boolean;
  demo?: boolean;
}

const io: Io = {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  interactive: process.stdin.isTTY === true && process.stderr.isTTY === true,
};

function addCommonOptions(command: Command): Command {
  return command
    .option('--path <dir>', 'Cachet app root (default: the current directory, then common places such as /var/www/cachet)')
    .option('--only <steps>', `comma-separated steps to run (${STEP_IDS.join(', ')})`)
    .option('--skip <steps>', 'comma-separated steps to leave out')
    .option('--json', 'print one JSON document on stdout and nothing else')
    .option('--no-probe', 'do not send HTTP requests to the site')
    .option('--probe-url <url>', 'base URL to probe (default: APP_URL, then the server name)')
    .option('--nginx-conf <file>', 'main nginx config file (default: the system one)')
    .option('--apache-conf <file>', 'main Apache config file (default: the system one)')
    .option('--state-dir <dir>', 'where runs, backups and the lock live', DEFAULT_STATE_DIR)
    .addOption(new Option('--fail-on <severity>', 'lowest severity that makes the exit code 1').default('high'))
    .option('--no-color', 'plain output without colours (also NO_COLOR=1)');
}

/** Options of the commands that neither inspect nor plan: rollback (with its state) and render. */
function addBasicOptions(command: Command, isRollback: boolean): Command {
  command.option('--path <dir>', 'Cachet app root (default: the current directory, then common places such as /var/www/cachet)');
  if (isRollback) {
    command
      .option('--state-dir <dir>', 'where runs, backups and the lock live', DEFAULT_STATE_DIR)
      .option('--json', 'print one JSON document on stdout and nothing else');
  }
  return command.option('--no-color', 'plain output without colours (also NO_COLOR=1)');
}

function addWizardOptions(command: Command): Command {
  return command
    .option('--dry-run', 'print every change that would be made, with secrets masked, and change nothing')
    .option('-y, --yes', 'take the recommended choice at every prompt')
    .option('--answers <file>', 'JSON file with explicit choices for an unattended run')
    .option('--demo', 'run the wizard on a throw-away Cachet-shaped install in a temporary directory');
}

function parseSteps(value: string | undefined, flag: string): StepId[] | null {
  if (value === undefined) return null;
  const ids = value
    .split(',')
    .map((id) => id.trim())
    .filter(Boolean);
  for (const id of ids) {
    if (!STEP_IDS.includes(id as StepId)) {
      throw new UsageError(`${flag} ${value}: unknown step "${id}". Expected a comma-separated list of ${STEP_IDS.join(', ')}.`);
    }
  }
  return ids as StepId[];
}

function parseSeverity(value: string): Severity {
  if (!SEVERITIES.includes(value as Severity)) {
    throw new UsageError(`--fail-on ${value}: unknown severity. Expected one of ${SEVERITIES.join(', ')}.`);
  }
  return value as Severity;
}

function toCliOptions(raw: RawOptions): CliOptions {
  const env = { ...process.env };
  const answers = raw.answers ? readAnswers(raw.answers) : null;
  const fromAnswers = answers?.options ?? {};
  if (raw.probeUrl !== undefined) validateUrl(raw.probeUrl, '--probe-url');
  if (fromAnswers.probeUrl !== undefined) validateUrl(fromAnswers.probeUrl, 'options.probeUrl in the answers file');

  const only = parseSteps(raw.only, '--only');
  const skip = parseSteps(raw.skip, '--skip') ?? [];
  if (selectSteps(only, skip).length === 0) {
    // An empty selection would pass every check, which a cron line with an empty variable must not do.
    throw new UsageError(
      `--only ${raw.only ?? '(all)'} --skip ${raw.skip ?? '(none)'} selects no step. Name at least one of ${STEP_IDS.join(', ')}.`,
    );
  }

  return {
    path: raw.path ?? fromAnswers.path ?? null,
    dryRun: raw.dryRun === true,
    yes: raw.yes === true,
    answers,
    answersFile: raw.answers ?? null,
    only,
    skip,
    json: raw.json === true,
    probe: raw.probe !== false,
    probeUrl: raw.probeUrl ?? fromAnswers.probeUrl ?? null,
    stateDir: raw.stateDir !== undefined && raw.stateDir !== DEFAULT_STATE_DIR ? raw.stateDir : (fromAnswers.stateDir ?? DEFAULT_STATE_DIR),
    failOn: parseSeverity(raw.failOn ?? 'high'),
    nginxConf: raw.nginxConf ?? fromAnswers.nginxConf ?? null,
    apacheConf: raw.apacheConf ?? fromAnswers.apacheConf ?? null,
    color: shouldColor(process.stdout, env, raw.color === false) && raw.json !== true,
    cwd: process.cwd(),
    env,
  };
}

function validateUrl(value: string, where: string): void {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`${where} ${value}: invalid URL. Give a base URL such as https://status.example.com/.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`${where} ${value}: only http and https URLs can be probed.`);
  }
}

function buildProgram(run: (task: () => Promise<number>) => void): Command {
  const program = new Command('cachet-harden')
    .description('Harden a Cachet status-page installation, one mitigation at a time.')
    .version(VERSION, '-V, --version')
    .showHelpAfterError('(run cachet-harden --help for usage)')
    // Options before a subcommand belong to the wizard; after it, to the subcommand (`check --json`).
    .enablePositionalOptions()
    .exitOverride();
  addWizardOptions(addCommonOptions(program)).action((raw: RawOptions) =>
    run(async () => {
      const options = toCliOptions(raw);
      if (raw.demo) {
        const { runDemo } = await import('./commands/demo.js');
        return runDemo(options, io);
      }
      const { runWizard } = await import('./commands/wizard.js');
      return runWizard(options, io);
    }),
  );

  addCommonOptions(program.command('check').description('audit the install and report findings; changes nothing'))
    .exitOverride()
    .action((raw: RawOptions) =>
      run(async () => {
        const { runCheck } = await import('./commands/check.js');
        return runCheck(toCliOptions(raw), io);
      }),
    );

  addBasicOptions(
    program
      .command('rollback')
      .description('restore the files, modes and accounts a run changed (default: the last run)')
      .argument('[run]', 'run id, as printed at the end of a run'),
    true,
  )
    .exitOverride()
    .action((runId: string | undefined, raw: RawOptions) =>
      run(async () => {
        const { runRollback } = await import('./commands/rollback.js');
        return runRollback(runId ?? null, toCliOptions(raw), io);
      }),
    );

  addBasicOptions(
    program
      .command('render')
      .description('print the generated web-server config for this install')
      .argument('<server>', 'nginx or apache'),
    false,
  )
    .exitOverride()
    .action((server: string, raw: RawOptions) =>
      run(async () => {
        if (server !== 'nginx' && server !== 'apache') {
          throw new UsageError(`render ${server}: unknown server. Expected nginx or apache.`);
        }
        const { runRender } = await import('./commands/render.js');
        return runRender(server, toCliOptions(raw), io);
      }),
    );

  return program;
}

function reportError(error: unknown): number {
  const code = exitCodeOf(error);
  if (process.argv.includes('--json')) {
    // Machines reading stdout get one JSON document even when the run stops before its report.
    const message = error instanceof Error ? error.message : String(error);
    io.stdout.write(`${JSON.stringify({ tool: 'cachet-harden', version: VERSION, error: message, exitCode: code }, null, 2)}\n`);
  }
  if (error instanceof CancelledError) {
    io.stderr.write(`${error.message}\n`);
  } else if (error instanceof Error && code !== 70 && !(error instanceof InternalError)) {
    io.stderr.write(`cachet-harden: ${error.message}\n`);
  } else {
    const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
    io.stderr.write(
      `cachet-harden ${VERSION}: internal error. Please report it with this output.\n${detail}\n`,
    );
  }
  return code;
}

let pending: Promise<void> | null = null;

const program = buildProgram((task) => {
  pending = task().then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.exitCode = reportError(error);
    },
  );
});

try {
  await program.parseAsync(process.argv);
  await pending;
} catch (error) {
  if (error instanceof CommanderError) {
    // Commander already printed the message; help and version are successes, the rest is usage.
    const success = ['commander.helpDisplayed', 'commander.version', 'commander.help'].includes(error.code);
    process.exitCode = success ? 0 : 2;
  } else {
    process.exitCode = reportError(error);
  }
}
