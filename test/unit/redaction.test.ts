import { describe, expect, it } from 'vitest';
import { redactLogFields } from '../../src/adapters/observability/log-redaction.js';
import { looksSecret, REDACTED, redactUrl } from '../../src/domain/redaction.js';
import { notificationView } from '../../src/entrypoints/api/views.js';
import { makeNotification } from '../helpers/notifications.js';

describe('looksSecret', () => {
  it.each([
    'token',
    'access_token',
    'API_KEY',
    'apikey',
    'client_secret',
    'signature',
    'sig',
    'X-Amz-Signature',
    'password',
    'auth',
    'oauth_verifier',
    'credential',
    'X-Amz-Credential',
    'sessionId',
  ])('%s names a secret', (name) => expect(looksSecret(name)).toBe(true));

  it.each(['page', 'limit', 'id', 'event', 'format', 'user'])('%s does not', (name) => {
    expect(looksSecret(name)).toBe(false);
  });
});

describe('redactUrl', () => {
  it('replaces the values of secret-looking query parameters, keeping everything else as written', () => {
    expect(redactUrl('https://api.example.com/hook?token=abc&page=2&Api_Key=k%20v&x=a%26b#frag')).toBe(
      `https://api.example.com/hook?token=${REDACTED}&page=2&Api_Key=${REDACTED}&x=a%26b#frag`,
    );
  });

  it('compares names decoded, and keeps a parameter without a value, an empty pair or a stray %', () => {
    expect(redactUrl('https://h/p?%74oken=1&my+pass%77ord=2&auth&&sig%=3&%zz=4')).toBe(
      `https://h/p?%74oken=${REDACTED}&my+pass%77ord=${REDACTED}&auth&&sig%=${REDACTED}&%zz=4`,
    );
  });

  it('leaves a URL without a query, or with secret-looking words elsewhere, unchanged', () => {
    for (const url of ['https://h/token/abc', 'https://h/p#token=abc', 'https://secret.example.com/', 'https://h/p?']) {
      expect(redactUrl(url)).toBe(url);
    }
  });

  it('redacts a value holding "=" and "?" whole', () => {
    expect(redactUrl('https://h/p?signature=a=b?c&n=1')).toBe(`https://h/p?signature=${REDACTED}&n=1`);
  });
});

describe('redactUrl on well-known webhook URLs, whose path holds the credential', () => {
  it.each([
    [
      'Slack incoming webhook',
      'https://hooks.slack.com/services/T0123ABCD/B0456EFGH/abcDEF123ghiJKL456mnoPQR',
      `https://hooks.slack.com/services/T0123ABCD/B0456EFGH/${REDACTED}`,
    ],
    [
      'Slack workflow webhook',
      'https://hooks.slack.com/workflows/T0123ABCD/A0456EFGH/123456789012345678/s3cr3tT0k3n',
      `https://hooks.slack.com/workflows/T0123ABCD/A0456EFGH/${REDACTED}/${REDACTED}`,
    ],
    [
      'Slack trigger, host in capitals with a port',
      'https://HOOKS.Slack.com:443/triggers/T0123ABCD/987654321/0a1b2c3d4e5f',
      `https://HOOKS.Slack.com:443/triggers/T0123ABCD/987654321/${REDACTED}`,
    ],
    [
      'Discord webhook',
      'https://discord.com/api/webhooks/123456789012345678/Xy_Z-secretToken',
      `https://discord.com/api/webhooks/123456789012345678/${REDACTED}`,
    ],
    [
      'Discord webhook on the old host, versioned API, Slack-compatible suffix',
      'https://discordapp.com/api/v10/webhooks/123456789012345678/Xy_Z-secretToken/slack?wait=true',
      `https://discordapp.com/api/v10/webhooks/123456789012345678/${REDACTED}/slack?wait=true`,
    ],
    ['Discord PTB', 'https://ptb.discord.com/api/webhooks/1/tok', `https://ptb.discord.com/api/webhooks/1/${REDACTED}`],
    [
      'Microsoft Teams incoming webhook',
      'https://contoso.webhook.office.com/webhookb2/1111-2222@3333-4444/IncomingWebhook/abcdef0123456789/5555-6666/V2secretPart',
      `https://contoso.webhook.office.com/webhookb2/1111-2222@3333-4444/IncomingWebhook/${REDACTED}/${REDACTED}/${REDACTED}`,
    ],
    [
      'Power Automate (Teams workflows): the secret is the sig query parameter',
      'https://prod-27.westeurope.logic.azure.com:443/workflows/0123abcd/triggers/manual/paths/invoke?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=AbCdEf123',
      `https://prod-27.westeurope.logic.azure.com:443/workflows/0123abcd/triggers/manual/paths/invoke?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=${REDACTED}`,
    ],
  ])('%s', (_name, url, redacted) => {
    expect(redactUrl(url)).toBe(redacted);
  });

  it('redacts the Canary host on discordapp.com too, and a secret with a query and a fragment after it', () => {
    expect(redactUrl('https://canary.discordapp.com/api/webhooks/2/tok?thread_id=9#x')).toBe(
      `https://canary.discordapp.com/api/webhooks/2/${REDACTED}?thread_id=9#x`,
    );
  });

  it('leaves other paths of those hosts, and look-alike hosts, as written', () => {
    for (const url of [
      'https://hooks.slack.com/',
      'https://hooks.slack.com/other/T1/B2/xyz',
      'https://discord.com/channels/1/2',
      'https://evil-discord.com/api/webhooks/1/tok',
      'https://hooks.slack.com.evil.example/services/T1/B2/xyz',
      'https://example.com/services/T1/B2/xyz',
    ]) {
      expect(redactUrl(url)).toBe(url);
    }
  });
});

describe('a webhook URL wherever it shows', () => {
  const slack = 'https://hooks.slack.com/services/T0123ABCD/B0456EFGH/abcDEF123ghiJKL456mnoPQR';
  const shown = `https://hooks.slack.com/services/T0123ABCD/B0456EFGH/${REDACTED}`;

  it('is redacted in the record the API answers with (by id, in listings, to the console and CLI)', () => {
    expect(notificationView(makeNotification({ url: slack })).url).toBe(shown);
  });

  it('is redacted in log lines', () => {
    expect(redactLogFields({ url: slack, request: { url: slack } })).toEqual({ url: shown, request: { url: shown } });
  });
});
