/**
 * One authenticated jsforce Connection per process, opened on first use. When Salesforce answers
 * 401 INVALID_SESSION_ID, jsforce calls our refresh function, which gets a new token with the
 * configured flow; every token's issue time is tracked so its expiry can be reported.
 */
import { readFileSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { Connection, type OAuth2 } from 'jsforce';
import type { SalesforceSettings } from '../config/salesforce-env';
import type { OrgLimits } from './org-limits';
import { createOAuth2, identityOf, requestToken, TokenRefused, type TokenResponse } from './token';

export interface TokenState {
  flow: SalesforceSettings['flow']['kind'];
  issuedAt: string;
  /** Estimated: issue time + the org's session timeout (Salesforce does not send an expiry). */
  expiresAt: string;
  instanceUrl: string;
  orgId: string;
  userId: string;
  /** Tokens obtained after the first one (automatic refreshes and re-issues). */
  refreshes: number;
}

/** Daily API requests as Salesforce last reported them (Sforce-Limit-Info header). */
export interface ApiUsage {
  used: number;
  limit: number;
  at: string;
}

export interface CredentialExpiry {
  id: string;
  description: string;
  expiresAt: string;
  /** Renewed by the integration itself (access tokens); a watch should not warn about it. */
  renewsAutomatically: boolean;
}

/**
 * After the token endpoint refuses, ask again only this much later: during a lockout every
 * buffered write retries, and Salesforce locks out users that try to log in too often
 * (3,600 logins per user per hour).
 */
export const TOKEN_REFUSAL_COOLDOWN_MS = 30_000;

export class SalesforceSession {
  readonly oauth2: OAuth2;
  /** As this process last saw it; `currentApiUsage()` prefers the org-wide figure. */
  apiUsage?: ApiUsage;
  /** The org's limits shared by every worker (app/shared-state.ts); unset: this process only. */
  limits?: OrgLimits;
  private opening?: Promise<Connection>;
  private token?: TokenState;
  private currentRefreshToken?: string;
  private refusal?: { error: Error; until: number };

  constructor(
    readonly settings: SalesforceSettings,
    private readonly refusalCooldownMs = TOKEN_REFUSAL_COOLDOWN_MS,
  ) {
    this.oauth2 = createOAuth2(settings);
  }

  /** The connection, authenticating first if needed; a failed attempt is retried on the next call. */
  connection(): Promise<Connection> {
    this.opening ??= this.open().catch((err: unknown) => {
      this.opening = undefined;
      throw err;
    });
    return this.opening;
  }

  /** The org the limits are counted for: its id once a token named it, else the configured login. */
  orgKey(): string {
    return this.token?.orgId || `${this.settings.loginUrl}#${this.settings.clientId}`;
  }

  /** The org's daily API usage: the newest report of any worker when shared, else this process's. */
  async currentApiUsage(): Promise<ApiUsage | undefined> {
    const shared = await this.limits?.usage(this.orgKey());
    if (!shared) return this.apiUsage;
    if (!this.apiUsage) return shared;
    return shared.at >= this.apiUsage.at ? shared : this.apiUsage;
  }

  /** The token endpoint's last refusal while the cooldown lasts: calls fail fast meanwhile. */
  recentRefusal(): Error | undefined {
    return this.refusal && Date.now() < this.refusal.until ? this.refusal.error : undefined;
  }

  tokenState(): TokenState | undefined {
    return this.token;
  }

  /** A new token now, even if the current one still works (remediation; ignores the cooldown). */
  async reissue(): Promise<TokenState> {
    this.refusal = undefined;
    if (!this.opening) {
      await this.connection();
      return this.token!;
    }
    const conn = await this.connection();
    const token = await this.newToken();
    conn.accessToken = token.access_token;
    return this.token!;
  }

  /** What expires: the JWT certificate (if configured) and the current access token. */
  async credentialExpiry(): Promise<CredentialExpiry[]> {
    const found: CredentialExpiry[] = [];
    const flow = this.settings.flow;
    if (flow.kind === 'jwt-bearer' && flow.certificateFile) {
      const cert = new X509Certificate(readFileSync(flow.certificateFile));
      found.push({
        id: 'salesforce-jwt-certificate',
        description: `certificate of the Salesforce connected app (${cert.subject.replace(/\n/g, ', ')})`,
        expiresAt: new Date(cert.validTo).toISOString(),
        renewsAutomatically: false,
      });
    }
    await this.connection();
    found.push({
      id: 'salesforce-access-token',
      description: `Salesforce access token (${this.settings.flow.kind}), estimated from the session timeout`,
      expiresAt: this.token!.expiresAt,
      renewsAutomatically: true,
    });
    return found;
  }

  private async open(): Promise<Connection> {
    const token = await this.newToken();
    return new Connection({
      oauth2: this.oauth2,
      instanceUrl: token.instance_url,
      accessToken: token.access_token,
      version: this.settings.apiVersion,
      refreshFn: (_conn, callback) => {
        void this.newToken().then(
          (fresh) => callback(null, fresh.access_token),
          (err: Error) => callback(err),
        );
      },
    });
  }

  private async newToken(): Promise<TokenResponse> {
    const refused = this.recentRefusal();
    if (refused) throw refused;
    let token: TokenResponse;
    try {
      token = await requestToken(this.oauth2, this.settings, this.currentRefreshToken);
    } catch (err) {
      if (err instanceof TokenRefused)
        this.refusal = { error: err, until: Date.now() + this.refusalCooldownMs };
      throw err;
    }
    this.refusal = undefined;
    if (token.refresh_token) this.currentRefreshToken = token.refresh_token;
    // Without issued_at (JWT bearer), the time it arrived is close enough.
    const issuedAt = token.issued_at ? Number(token.issued_at) : Date.now();
    this.token = {
      flow: this.settings.flow.kind,
      issuedAt: new Date(issuedAt).toISOString(),
      expiresAt: new Date(issuedAt + this.settings.sessionTimeoutMs).toISOString(),
      instanceUrl: token.instance_url,
      ...identityOf(token),
      refreshes: this.token ? this.token.refreshes + 1 : 0,
    };
    return token;
  }
}
