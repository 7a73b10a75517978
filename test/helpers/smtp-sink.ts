import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { simpleParser, type ParsedMail } from 'mailparser';
import { spawnChild, type Child } from './processes.ts';
import { waitFor } from './wait.ts';

const MAIN = path.join(path.dirname(fileURLToPath(import.meta.url)), 'smtp-sink-main.ts');

/** A real SMTP server in its own process (smtp-sink-main.ts), stopped by PID. */
export interface SmtpSink {
  readonly child: Child;
  /** The SMTP_URL that reaches it, credentials included. */
  readonly url: string;
  readonly password: string;
  /** The messages received so far, parsed, oldest first. */
  messages(): Promise<ParsedMail[]>;
  stop(): Promise<void>;
}

/** Starts the sink on an ephemeral loopback port with a fresh user and password. */
export async function startSmtpSink(): Promise<SmtpSink> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'boxoffice-smtp-'));
  const password = `pw-${Math.random().toString(36).slice(2)}-secret`;
  const child = spawnChild(process.execPath, ['--import', 'tsx', MAIN, dir], { env: { ...process.env, SMTP_SINK_USER: 'boxoffice', SMTP_SINK_PASS: password } });
  let out = '';
  child.proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const port = await waitFor('the SMTP server to listen', () => /listening (\d+)/.exec(out)?.[1] ?? (child.proc.exitCode !== null && Promise.reject(new Error(out))), 15_000);
  return {
    child,
    url: `smtp://boxoffice:${password}@127.0.0.1:${port}`,
    password,
    messages: async () => Promise.all(fs.readdirSync(dir).sort().map((f) => simpleParser(fs.readFileSync(path.join(dir, f))))),
    async stop() {
      await child.kill();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
