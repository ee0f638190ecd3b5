import assert from 'node:assert/strict';
import { ConfigError, loadConfig } from '../config/env';

describe('channel configuration from the environment', () => {
  const SID = `AC${'1'.repeat(32)}`;

  it('leaves Twilio unconfigured (outbox) when no TWILIO_ variable is set', () => {
    assert.equal(loadConfig({}).twilio, undefined);
  });

  it('accepts an auth token or an API key pair', () => {
    assert.deepEqual(
      loadConfig({ TWILIO_ACCOUNT_SID: SID, TWILIO_AUTH_TOKEN: 't', TWILIO_FROM: '+15555550100' }).twilio,
      {
        accountSid: SID,
        auth: { authToken: 't' },
        from: '+15555550100',
        voiceFrom: undefined,
        apiUrl: undefined,
      },
    );
    const key = `SK${'2'.repeat(32)}`;
    const withKey = loadConfig({
      TWILIO_ACCOUNT_SID: SID,
      TWILIO_API_KEY_SID: key,
      TWILIO_API_KEY_SECRET: 's',
      TWILIO_FROM: `MG${'3'.repeat(32)}`,
    });
    assert.deepEqual(withKey.twilio?.auth, { apiKeySid: key, apiKeySecret: 's' });
  });

  it('names every missing or malformed variable', () => {
    assert.throws(
      () => loadConfig({ TWILIO_AUTH_TOKEN: 't' }),
      (err: ConfigError) =>
        err.problems.some((p) => p.startsWith('TWILIO_ACCOUNT_SID: required')) &&
        err.problems.some((p) => p.startsWith('TWILIO_FROM: required')),
    );
    assert.throws(
      () => loadConfig({ TWILIO_ACCOUNT_SID: 'AC123', TWILIO_FROM: '0151 123' }),
      (err: ConfigError) => {
        assert.deepEqual(
          err.problems.map((p) => p.split(':')[0]),
          ['TWILIO_ACCOUNT_SID', 'TWILIO_FROM'],
        );
        return true;
      },
    );
    assert.throws(
      () =>
        loadConfig({
          TWILIO_ACCOUNT_SID: SID,
          TWILIO_FROM: '+15555550100',
          TWILIO_API_KEY_SID: `SK${'2'.repeat(32)}`,
        }),
      /TWILIO_API_KEY_SID, TWILIO_API_KEY_SECRET: set both/,
    );
  });

  it('takes SMS replies only with the auth token Twilio signs them with and a public gateway URL', () => {
    const twilio = { TWILIO_ACCOUNT_SID: SID, TWILIO_FROM: '+15555550100' };
    assert.equal(loadConfig({ ...twilio, TWILIO_AUTH_TOKEN: 't' }).smsReplies, undefined, 'off by default');
    assert.deepEqual(
      loadConfig({
        ...twilio,
        TWILIO_AUTH_TOKEN: 't',
        LOCKOUT_SMS_REPLIES: 'on',
        LOCKOUT_GATEWAY_URL: 'https://lockout.example.com',
      }).smsReplies,
      { authToken: 't' },
    );
    assert.throws(
      () =>
        loadConfig({
          ...twilio,
          TWILIO_API_KEY_SID: `SK${'2'.repeat(32)}`,
          TWILIO_API_KEY_SECRET: 's',
          LOCKOUT_SMS_REPLIES: 'on',
        }),
      (err: ConfigError) => {
        assert.deepEqual(err.problems, [
          'LOCKOUT_SMS_REPLIES: needs TWILIO_AUTH_TOKEN (Twilio signs the replies it forwards with it)',
          'LOCKOUT_SMS_REPLIES: needs LOCKOUT_GATEWAY_URL, the public URL Twilio posts to (its signature covers it)',
        ]);
        return true;
      },
    );
    assert.throws(
      () => loadConfig({ LOCKOUT_SMS_REPLIES: 'yes' }),
      /LOCKOUT_SMS_REPLIES: must be "on" or "off"/,
    );
  });
});
