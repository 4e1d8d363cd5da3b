// Runs a client program written for another runtime and collects its findings: one JSON object
// per output line, keyed by its "step".

import { execFile } from 'node:child_process';

export type Findings = Record<string, any>;

export function runClientProgram(command: string, args: string[], env: Record<string, string>): Promise<Findings> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { env: { ...process.env, ...env } }, (error, stdout, stderr) => {
      if (error) {
        reject(new Error(`${command} failed: ${stderr || error.message}`));
        return;
      }
      const findings = stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { step: string });
      resolve(Object.fromEntries(findings.map((finding) => [finding.step, finding])));
    });
  });
}
