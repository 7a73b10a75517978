import nodemailer from 'nodemailer';

/** A message to one address. */
export interface Mail {
  readonly to: string;
  readonly subject: string;
  readonly text: string;
}

/** Sends mail through the SMTP server of SMTP_URL (nodemailer: STARTTLS when offered, `smtps://` for TLS from the start). */
export interface Mailer {
  send(mail: Mail): Promise<void>;
  close(): void;
}

/** Builds the mailer; `from` is the sender shown to viewers. */
export function createMailer(smtpUrl: string, from: string): Mailer {
  const transport = nodemailer.createTransport(smtpUrl, { from });
  return {
    send: async (mail) => void (await transport.sendMail(mail)),
    close: () => transport.close(),
  };
}

/** The sign-in mail: the one-time link (the token after `#`, so no server or log on the way sees it) and what it opens. */
export function signInMail(to: string, opts: { publicUrl: string; token: string; titles: readonly string[]; minutes: number }): Mail {
  const link = `${opts.publicUrl}/signin#${opts.token}`;
  return {
    to,
    subject: 'Your sign-in link',
    text: [
      'Someone (we hope you) asked to watch what this address bought on another device.',
      '',
      `Open this link on that device within ${opts.minutes} minutes; it works once:`,
      link,
      '',
      `It opens: ${opts.titles.join(', ')}.`,
      '',
      'If you did not ask for it, ignore this message: nothing changes.',
    ].join('\n'),
  };
}
