// Text and JSON renderings of findings, shared by `check` and the wizard.

import type { Finding, Install, Severity, Step } from '../types.js';
import { SEVERITIES } from '../types.js';
import { severityLabel, type Styler } from './style.js';

export const REPORT_SCHEMA_VERSION = 1;

export function severityRank(severity: Severity): number {
  return SEVERITIES.length - SEVERITIES.indexOf(severity);
}

export function atOrAbove(severity: Severity, threshold: Severity): boolean {
  return severityRank(severity) >= severityRank(threshold);
}

export function sortFindings(findings: Finding[]): Finding[] {
  return [...findings].sort((a, b) => severityRank(b.severity) - severityRank(a.severity) || a.id.localeCompare(b.id));
}

export function countBySeverity(findings: Finding[]): Record<Severity, number> {
  const counts = Object.fromEntries(SEVERITIES.map((severity) => [severity, 0])) as Record<Severity, number>;
  for (const finding of findings) counts[finding.severity] += 1;
  return counts;
}

export function renderInstall(style: Styler, install: Install): string[] {
  const version = install.version ?? 'version unknown';
  return [
    `${style('heading', 'Cachet')} ${version} (${install.line} line) at ${style('path', install.root)}`,
    `  .env parsed as ${install.dialect} (${install.dialectSource})`,
    `  web user ${install.webUser.user}:${install.webUser.group} (from ${install.webUser.source})`,
  ];
}

export function renderFinding(style: Styler, finding: Finding): string[] {
  const lines = [`  ${severityLabel(style, finding.severity)} ${style('heading', finding.title)}  ${style('muted', finding.id)}`];
  for (const evidence of finding.evidence) lines.push(`           ${style('muted', 'seen:')} ${evidence}`);
  lines.push(`           ${style('muted', 'why:')}  ${finding.why}`);
  lines.push(`           ${style('muted', 'fix:')}  ${finding.fix}`);
  return lines;
}

export function renderStepFindings(style: Styler, step: Pick<Step, 'id' | 'title'>, findings: Finding[]): string[] {
  const lines = [`${style('heading', step.id)}  ${step.title}`];
  if (findings.length === 0) {
    lines.push(`  ${style('ok', 'ok')}       nothing found`);
    return lines;
  }
  for (const finding of sortFindings(findings)) lines.push(...renderFinding(style, finding));
  return lines;
}

export function renderSummary(style: Styler, findings: Finding[]): string {
  const counts = countBySeverity(findings);
  const parts = SEVERITIES.map((severity) => {
    const text = `${counts[severity]} ${severity}`;
    return counts[severity] > 0 ? style(severity, text) : text;
  });
  return `${style('heading', 'Summary:')} ${parts.join(', ')}`;
}

/** The install facts for JSON output; no secret (the DB password is reported only as set or not). */
export function installJson(install: Install): Record<string, unknown> {
  return {
    root: install.root,
    realRoot: install.realRoot,
    line: install.line,
    version: install.version,
    versionSource: install.versionSource,
    isFork: install.isFork,
    dialect: install.dialect,
    dialectSource: install.dialectSource,
    envPath: install.envPath,
    envError: install.envError,
    db: {
      driver: install.db.driver,
      driverKey: install.db.driverKey,
      host: install.db.host,
      port: install.db.port,
      database: install.db.database,
      username: install.db.username,
      passwordSet: install.db.password !== null,
      socket: install.db.socket,
      prefix: install.db.prefix,
      schema: install.db.schema,
    },
    webUser: install.webUser,
  };
}
