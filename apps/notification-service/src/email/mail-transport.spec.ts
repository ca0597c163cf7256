import { createServer, type AddressInfo, type Server } from 'node:net';
import { ConfigService } from '@nestjs/config';
import { MailTransport } from './mail-transport.js';

/** The smallest SMTP server nodemailer talks to; keeps each message. */
function fakeSmtpServer(): Promise<{
  server: Server;
  port: number;
  messages: string[];
}> {
  const messages: string[] = [];
  const server = createServer((socket) => {
    let inData = false;
    let message = '';
    socket.write('220 fake ESMTP\r\n');
    socket.on('data', (chunk) => {
      for (const line of chunk.toString().split('\r\n').filter(Boolean)) {
        if (inData) {
          if (line === '.') {
            inData = false;
            messages.push(message);
            socket.write('250 queued\r\n');
          } else {
            message += `${line}\n`;
          }
          continue;
        }
        const command = line.slice(0, 4).toUpperCase();
        if (command === 'DATA') {
          inData = true;
          socket.write('354 go ahead\r\n');
        } else if (command === 'QUIT') {
          socket.end('221 bye\r\n');
        } else {
          socket.write('250 OK\r\n');
        }
      }
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        server,
        port: (server.address() as AddressInfo).port,
        messages,
      }),
    ),
  );
}

const configWith = (values: Record<string, string>) =>
  new ConfigService(values);

describe('MailTransport', () => {
  it('is disabled without SMTP_URL and refuses to send', async () => {
    const transport = new MailTransport(configWith({}));

    expect(transport.enabled).toBe(false);
    await expect(
      transport.send({ to: 'a@example.com', subject: 's', text: 't' }),
    ).rejects.toThrow('SMTP is not configured');
  });

  it('sends a plain-text e-mail over SMTP_URL from SMTP_FROM', async () => {
    const smtp = await fakeSmtpServer();
    const transport = new MailTransport(
      configWith({
        SMTP_URL: `smtp://127.0.0.1:${smtp.port}`,
        SMTP_FROM: 'Bookings <bookings@example.com>',
      }),
    );
    try {
      await transport.send({
        to: 'ada@example.com',
        subject: 'Verify your e-mail address',
        text: 'Hello Ada,',
      });

      expect(transport.enabled).toBe(true);
      expect(smtp.messages).toHaveLength(1);
      expect(smtp.messages[0]).toContain(
        'From: Bookings <bookings@example.com>',
      );
      expect(smtp.messages[0]).toContain('To: ada@example.com');
      expect(smtp.messages[0]).toContain('Subject: Verify your e-mail address');
      expect(smtp.messages[0]).toContain('Hello Ada,');
    } finally {
      transport.onApplicationShutdown();
      await new Promise((resolve) => smtp.server.close(resolve));
    }
  });

  it('rejects when the SMTP server cannot be reached', async () => {
    const smtp = await fakeSmtpServer();
    const { port } = smtp;
    await new Promise((resolve) => smtp.server.close(resolve));
    const transport = new MailTransport(
      configWith({ SMTP_URL: `smtp://127.0.0.1:${port}` }),
    );

    await expect(
      transport.send({ to: 'a@example.com', subject: 's', text: 't' }),
    ).rejects.toThrow();
    transport.onApplicationShutdown();
  });
});
