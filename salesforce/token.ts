/**
 * Getting an access token with the configured OAuth 2.0 flow, through jsforce's OAuth2 client.
 * The answer is checked: a token endpoint that answers something else is reported, not trusted.
 */
import { readFileSync } from 'node:fs';
import { OAuth2 } from 'jsforce';
import { z } from 'zod';
import type { SalesforceSettings } from '../config/salesforce-env';
import { jwtBearerAssertion, loadPrivateKey } from './jwt';

/** The token endpoint's answer (Salesforce sends no expires_in: the org's session timeout applies). */
export const TokenResponse = z.object({
  access_token: z.string().min(1),
  instance_url: z.url(),
  /** Identity URL: https://login…/id/<org id>/<user id> */
  id: z.url(),
  /** Milliseconds since the epoch; the JWT bearer flow leaves it out. */
  issued_at: z.string().regex(/^\d+$/, 'milliseconds since the epoch').optional(),
  token_type: z.string().optional(),
  signature: z.string().optional(),
  scope: z.string().optional(),
  refresh_token: z.string().optional(),
});
export type TokenResponse = z.infer<typeof TokenResponse>;

/** The token endpoint refused (bad credentials, revoked app, blocked user): retrying will not help. */
export class TokenRefused extends Error {
  constructor(
    readonly error: string,
    description: string,
  ) {
    super(`token request refused: ${error}: ${description}`);
    this.name = 'TokenRefused';
  }
}

/** OAuth error codes Salesforce returns for credentials that do not work (as opposed to an outage). */
const REFUSALS = new Set([
  'invalid_grant',
  'invalid_client',
  'invalid_client_id',
  'invalid_request',
  'unsupported_grant_type',
  'inactive_user',
  'inactive_org',
]);

export function createOAuth2(settings: SalesforceSettings): OAuth2 {
  const flow = settings.flow;
  return new OAuth2({
    loginUrl: settings.loginUrl,
    clientId: settings.clientId,
    clientSecret: flow.kind === 'jwt-bearer' ? undefined : flow.clientSecret,
  });
}

async function ask(oauth2: OAuth2, settings: SalesforceSettings, refreshToken: string): Promise<unknown> {
  const flow = settings.flow;
  switch (flow.kind) {
    case 'jwt-bearer': {
      const key = loadPrivateKey(readFileSync(flow.privateKeyFile, 'utf8'), flow.privateKeyFile);
      const assertion = jwtBearerAssertion(
        { clientId: settings.clientId, username: flow.username, audience: flow.audience },
        key,
      );
      return oauth2.requestToken({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion });
    }
    case 'client-credentials':
      return oauth2.requestToken({ grant_type: 'client_credentials' });
    case 'refresh-token':
      return oauth2.refreshToken(refreshToken);
  }
}

/**
 * A new access token. `refreshToken` is the current one for the refresh-token flow (Salesforce
 * may rotate it). Throws TokenRefused when the endpoint says no, other errors for outages.
 */
export async function requestToken(
  oauth2: OAuth2,
  settings: SalesforceSettings,
  refreshToken = settings.flow.kind === 'refresh-token' ? settings.flow.refreshToken : '',
): Promise<TokenResponse> {
  let answer: unknown;
  try {
    answer = await ask(oauth2, settings, refreshToken);
  } catch (err) {
    // jsforce names the error after the OAuth `error` field and puts the description in the message.
    const e = err as Error;
    if (REFUSALS.has(e.name)) throw new TokenRefused(e.name, e.message);
    throw err;
  }
  const parsed = TokenResponse.safeParse(answer);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`unexpected answer from ${oauth2.tokenServiceUrl}: ${problems}`);
  }
  return parsed.data;
}

/** Org and user ids from the identity URL. */
export function identityOf(token: TokenResponse): { orgId: string; userId: string } {
  const [orgId = '', userId = ''] = new URL(token.id).pathname.split('/').slice(-2);
  return { orgId, userId };
}
