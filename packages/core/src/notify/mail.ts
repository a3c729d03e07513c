// Mail delivery through nodemailer's SMTP transport: STARTTLS when an smtp:// server offers it,
// TLS from the start for smtps://, certificates checked; every phase bounded by the timeout.
import type { SmtpTarget } from './config.ts';
import type { Message } from './render.ts';
import { reason } from './reason.ts';

/** Sends one message; throws an Error whose message is the reason (one line). */
export async function sendMail(target: SmtpTarget, message: Message, timeoutS: number): Promise<void> {
  const ms = timeoutS * 1000;
  // Loaded only when a mail is sent: a hook run that only spools never evaluates nodemailer.
  // The mailer and its SMTP transport alone, not nodemailer's index (SES, sendmail, pools...).
  const [{ default: Mail }, { default: SMTPTransport }] = await Promise.all([import('nodemailer/lib/mailer'), import('nodemailer/lib/smtp-transport')]);
  const transport = new Mail(new SMTPTransport({
    host: target.host,
    port: target.port,
    secure: target.secure,
    ...(target.user === undefined ? {} : { auth: { user: target.user, pass: target.password ?? '' } }),
    connectionTimeout: ms,
    greetingTimeout: ms,
    socketTimeout: ms,
    dnsTimeout: ms,
  }));
  // nodemailer's own timeouts cover each phase; this one bounds the whole conversation.
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutS} s`)), ms * 2);
  });
  try {
    await Promise.race([
      transport.sendMail({ from: target.from, to: [...target.to], subject: message.subject, text: message.text, headers: { 'Auto-Submitted': 'auto-generated' } }),
      deadline,
    ]);
  } catch (err) {
    throw new Error(reason(err));
  } finally {
    clearTimeout(timer);
    transport.close();
  }
}
