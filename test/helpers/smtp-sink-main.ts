import fs from 'node:fs';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

/**
 * A real SMTP server on loopback for tests (npm smtp-server): requires AUTH with SMTP_SINK_USER and
 * SMTP_SINK_PASS, writes each message to `<dir>/<n>.eml`, prints `listening <port>`. Usage: smtp-sink-main.ts <dir>.
 */
const dir = process.argv[2]!;
let n = 0;
const server = new SMTPServer({
  authMethods: ['PLAIN', 'LOGIN'],
  allowInsecureAuth: true, // loopback only; production SMTP_URLs use STARTTLS or smtps://
  disabledCommands: ['STARTTLS'],
  onAuth(auth, _session, done) {
    if (auth.username === process.env.SMTP_SINK_USER && auth.password === process.env.SMTP_SINK_PASS) done(null, { user: auth.username });
    else done(new Error('invalid credentials'));
  },
  onData(stream, session, done) {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => {
      const to = session.envelope.rcptTo.map((r) => r.address).join(',');
      fs.writeFileSync(path.join(dir, `${String(++n).padStart(4, '0')}.eml`), Buffer.concat([Buffer.from(`X-Envelope-To: ${to}\r\n`), ...chunks]));
      done();
    });
  },
});
server.listen(0, '127.0.0.1', () => console.log(`listening ${(server.server.address() as AddressInfo).port}`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
