/** Runs the real `lockout` command as a subprocess, as a responder would. */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { FIXTURE_KEYS_FILE } from './codec-keys';

const BIN = join(__dirname, '..', '..', 'bin', 'lockout.js');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** The CLI encrypts with the tests' fixture key ring unless `env` says otherwise. */
export function runCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { ...process.env, LOCKOUT_CODEC_KEYS_FILE: FIXTURE_KEYS_FILE, ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}
