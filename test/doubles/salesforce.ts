/**
 * A loopback Salesforce for tests: the subset of the OAuth 2.0, REST and Connect (Chatter) APIs
 * that lockout-runbook uses, answered from an in-memory org the test controls, with Salesforce's
 * documented status codes, error bodies and headers. The real jsforce client talks to it.
 *
 * OAuth: POST /services/oauth2/token, grant types JWT bearer (RS256 signature verified against
 * the app's public key), client_credentials and refresh_token; errors as
 * `{"error":"invalid_grant","error_description":"…"}`.
 * REST (/services/data/vXX.X, only the versions listed at /services/data): resources, /limits,
 * /query (+ nextRecordsUrl pages), sObject create (POST), read (GET) and upsert by external id
 * (PATCH), Chatter feed elements. The org has a schema (salesforce-schema.ts): unknown sObjects,
 * unknown fields, missing required fields and upserts on a field that is not an External ID are
 * refused as Salesforce refuses them.
 * Failure modes: 401 INVALID_SESSION_ID after expireSessions(), injected 503/403/500 (failNext),
 * the daily API request limit (403 REQUEST_LIMIT_EXCEEDED), lockOut(): every session revoked and
 * every new token refused until unblock(); and the ACL drift of a lockout, with the session still
 * valid: revokeAccess() (object permissions) and disableApi() (the API Enabled permission).
 *
 * Status codes and error bodies follow Salesforce's REST API Developer Guide, "Status Codes and
 * Error Responses" (errorcodes.htm): errors are `[{"message","errorCode","fields"?}]`; 403 with
 * REQUEST_LIMIT_EXCEEDED is the org's API request limit (Salesforce documents no 429 for REST);
 * 404 for an unknown resource or API version. API_DISABLED_FOR_ORG is from "Supported Editions
 * and Required Permissions" (intro_rest_compatible_editions.htm).
 */
import { createHmac, createPublicKey, randomBytes, verify } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { defaultSchema, schemaField, schemaObject, type ObjectSchema } from './salesforce-schema';
import { fieldKey, lookupField, QueryRefused, runQuery, type OrgRecord, type OrgView } from './soql-engine';

export interface ConnectedApp {
  clientId: string;
  clientSecret?: string;
  /** PEM public key (or certificate) for JWT bearer assertions. */
  publicKeyPem?: string;
  /** User the client credentials flow runs as. */
  runAsUserId?: string;
}

export interface InjectedFailure {
  /** 403 is REQUEST_LIMIT_EXCEEDED; for a permission refusal use revokeAccess() or disableApi(). */
  status: 401 | 403 | 500 | 503;
  /** How many matching requests fail (default 1). */
  times?: number;
  /** Seconds, sent as Retry-After. */
  retryAfter?: number;
  /** Only requests whose path matches (default: every REST call). */
  path?: RegExp;
}

export interface RecordedUpsert {
  sobject: string;
  field: string;
  value: string;
  body: Record<string, unknown>;
  created: boolean;
}

export type ObjectAccess = 'read' | 'create' | 'edit';

const PERMISSION_FIELD: Record<ObjectAccess, string> = {
  read: 'PermissionsRead',
  create: 'PermissionsCreate',
  edit: 'PermissionsEdit',
};

export interface RecordedRequest {
  method: string;
  path: string;
  status: number;
}

const KEY_PREFIX: Record<string, string> = {
  Account: '001',
  Certificate: '0P1',
  Contact: '003',
  Case: '500',
  User: '005',
  Opportunity: '006',
  Order: '801',
  FeedItem: '0D5',
  PermissionSet: '0PS',
  PermissionSetAssignment: '0Pa',
  ObjectPermissions: '110',
  SetupAuditTrail: '0Ym',
};

const ERRORS = {
  INVALID_SESSION_ID: 'Session expired or invalid',
  NOT_FOUND: 'The requested resource does not exist',
  API_DISABLED_FOR_ORG: 'The REST API is not enabled for this Organization.',
  API_CURRENTLY_DISABLED: 'API is disabled for this User',
  REQUEST_LIMIT_EXCEEDED: 'TotalRequests Limit exceeded.',
  SERVER_UNAVAILABLE: 'Server temporarily unavailable. Please try again later.',
  UNKNOWN_EXCEPTION: 'An unexpected error occurred. Please include this ErrorId if you contact support.',
};

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly headers: Record<string, string> = {},
  ) {
    super(`HTTP ${status}`);
  }
}

const restError = (status: number, errorCode: string, message: string, headers?: Record<string, string>) =>
  new HttpError(status, [{ message, errorCode }], headers);
const fieldError = (errorCode: string, message: string, fields: string[]) =>
  new HttpError(400, [{ message, errorCode, fields }]);
const notFound = () => restError(404, 'NOT_FOUND', ERRORS.NOT_FOUND);
const oauthError = (status: number, error: string, description: string) =>
  new HttpError(status, { error, error_description: description });

export class SalesforceDouble implements OrgView {
  readonly orgId = '00D000000000001EAA';
  url = '';
  readonly apiVersion: string;
  /** Successful upserts, in the order Salesforce applied them. */
  readonly upserts: RecordedUpsert[] = [];
  readonly requests: RecordedRequest[] = [];
  readonly tokenGrants: { grantType: string; outcome: string }[] = [];
  dailyApiLimit: number;
  apiUsed = 0;
  queryBatchSize: number;
  /** API versions the org offers; any other /services/data/vXX.X is 404. */
  readonly versions: string[];
  readonly schema: Map<string, ObjectSchema> = defaultSchema();

  private server?: Server;
  private readonly store = new Map<string, OrgRecord[]>();
  private readonly index = new Map<string, { sobject: string; record: OrgRecord }>();
  private readonly apps = new Map<string, ConnectedApp>();
  private readonly refreshTokens = new Map<string, { clientId: string; userId: string }>();
  private readonly sessions = new Map<string, { userId: string; valid: boolean }>();
  private readonly failures: (InjectedFailure & { left: number })[] = [];
  private readonly cursors = new Map<string, { rows: Record<string, unknown>[]; api: '' | '/tooling' }>();
  private locked = false;
  private counter = 0;
  /** Object permissions the integration user has lost: `Contact:edit`. */
  private readonly revoked = new Set<string>();
  private readonly savedPermissions: { record: OrgRecord; field: string; value: unknown }[] = [];
  private apiDisabled?: 'user' | 'org';

  constructor(options: { apiVersion?: string; dailyApiLimit?: number; queryBatchSize?: number } = {}) {
    this.apiVersion = options.apiVersion ?? '62.0';
    this.versions = [...new Set(['60.0', '61.0', '62.0', this.apiVersion])];
    this.dailyApiLimit = options.dailyApiLimit ?? 100_000;
    this.queryBatchSize = options.queryBatchSize ?? 2000;
  }

  // ---- org state the test controls ----

  all(sobject: string): OrgRecord[] {
    return this.store.get(sobject) ?? [];
  }

  byId(id: string): { sobject: string; record: OrgRecord } | undefined {
    return this.index.get(id);
  }

  insert(sobject: string, fields: Record<string, unknown>): string {
    const prefix = KEY_PREFIX[sobject] ?? 'a00';
    const id = `${prefix}${String(++this.counter).padStart(12, '0')}AAA`;
    const record: OrgRecord = { ...fields, Id: id };
    record.CreatedDate ??= new Date().toISOString();
    if (!this.store.has(sobject)) this.store.set(sobject, []);
    this.store.get(sobject)!.push(record);
    this.index.set(id, { sobject, record });
    return id;
  }

  remove(sobject: string, id: string): void {
    this.store.set(
      sobject,
      this.all(sobject).filter((r) => r.Id !== id),
    );
    this.index.delete(id);
  }

  /** A custom field created in Setup (API name ending in __c). */
  defineField(
    sobject: string,
    field: string,
    options: { externalId?: boolean; required?: boolean } = {},
  ): void {
    const object = this.schema.get(sobject);
    if (!object) throw new Error(`the double's schema has no sObject ${sobject}`);
    object.fields.add(field);
    if (options.externalId) object.externalIds.add(field);
    if (options.required) object.required.add(field);
  }

  registerApp(app: ConnectedApp): void {
    this.apps.set(app.clientId, app);
  }

  issueRefreshToken(clientId: string, userId: string): string {
    const token = `5Aep${randomBytes(24).toString('hex')}`;
    this.refreshTokens.set(token, { clientId, userId });
    return token;
  }

  // ---- failure modes ----

  failNext(failure: InjectedFailure): void {
    this.failures.push({ ...failure, left: failure.times ?? 1 });
  }

  /** Every issued access token stops working (401 INVALID_SESSION_ID); new ones can be had. */
  expireSessions(): void {
    for (const session of this.sessions.values()) session.valid = false;
  }

  /** A security control blocked the integration: sessions revoked, new tokens refused. */
  lockOut(): void {
    this.locked = true;
    this.expireSessions();
  }

  unblock(): void {
    this.locked = false;
  }

  /**
   * The integration user loses object permissions (a permission set unassigned or edited): the
   * session stays valid and the API refuses the calls. ObjectPermissions rows follow, so the
   * diagnostics see the same drift.
   */
  revokeAccess(sobject: string, ...access: ObjectAccess[]): void {
    for (const a of access) {
      this.revoked.add(`${sobject}:${a}`);
      for (const record of this.all('ObjectPermissions').filter((p) => p.SobjectType === sobject)) {
        const field = PERMISSION_FIELD[a];
        this.savedPermissions.push({ record, field, value: record[field] });
        record[field] = false;
      }
    }
  }

  /** "API Enabled" removed from the user (403 API_CURRENTLY_DISABLED) or API access from the org. */
  disableApi(scope: 'user' | 'org' = 'user'): void {
    this.apiDisabled = scope;
  }

  /** Undo revokeAccess() and disableApi(). */
  restoreAccess(): void {
    this.revoked.clear();
    for (const saved of this.savedPermissions.reverse()) saved.record[saved.field] = saved.value;
    this.savedPermissions.length = 0;
    this.apiDisabled = undefined;
  }

  private can(sobject: string, access: ObjectAccess): boolean {
    return !this.revoked.has(`${sobject}:${access}`);
  }

  // ---- schema, as the API sees it ----

  /** An sObject the user can't read is invisible, as if it did not exist. */
  private visibleObject(name: string): [string, ObjectSchema] | undefined {
    const found = schemaObject(this.schema, name);
    return found && this.can(found[0], 'read') ? found : undefined;
  }

  checkObject(sobject: string): void {
    if (!this.visibleObject(sobject))
      throw new QueryRefused(
        'INVALID_TYPE',
        `sObject type '${sobject}' is not supported. If you are attempting to use a custom object, ` +
          `be sure to append the '__c' after the entity name. Please reference your WSDL or the ` +
          `describe call for the appropriate names.`,
      );
  }

  checkField(sobject: string, path: string): void {
    const object = this.visibleObject(sobject)?.[1];
    if (!object) return this.checkObject(sobject);
    const [head = '', ...rest] = path.split('.');
    if (rest.length) {
      if (!schemaField(object, lookupField(head)))
        throw new QueryRefused(
          'INVALID_FIELD',
          `Didn't understand relationship '${head}' in field path. If you are attempting to use a ` +
            `custom relationship, be sure to append the '__r' after the custom relationship name.`,
        );
      return;
    }
    if (!schemaField(object, head))
      throw new QueryRefused(
        'INVALID_FIELD',
        `No such column '${head}' on entity '${sobject}'. If you are attempting to use a custom ` +
          `field, be sure to append the '__c' after the custom field name. Please reference your ` +
          `WSDL or the describe call for the appropriate names.`,
      );
  }

  get isLockedOut(): boolean {
    return this.locked;
  }

  // ---- server ----

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  close(): Promise<void> {
    this.server?.closeAllConnections();
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** REST calls (/services/data/…) answered this much later: long-running requests, as in a lockout. */
  restDelayMs = 0;
  /** REST calls being answered right now, and the most there ever were at once (the org's concurrency). */
  restInFlight = 0;
  restPeakInFlight = 0;

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url);
    const rest = url.pathname.startsWith('/services/data/');
    if (rest) this.restPeakInFlight = Math.max(this.restPeakInFlight, ++this.restInFlight);
    try {
      if (rest && this.restDelayMs) await new Promise((r) => setTimeout(r, this.restDelayMs));
      await this.answer(req, res, url);
    } finally {
      if (rest) this.restInFlight--;
    }
  }

  private async answer(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    let status = 500;
    try {
      const body = await readBody(req);
      const answer = await this.route(req.method ?? 'GET', url, req.headers, body);
      status = answer.status;
      send(res, answer.status, answer.body, { ...this.limitHeader(url), ...answer.headers });
    } catch (err) {
      if (err instanceof HttpError) {
        status = err.status;
        send(res, err.status, err.body, { ...this.limitHeader(url), ...err.headers });
      } else {
        send(res, 500, [{ errorCode: 'UNKNOWN_EXCEPTION', message: String(err) }], {});
      }
    }
    this.requests.push({ method: req.method ?? 'GET', path: url.pathname, status });
  }

  private limitHeader(url: URL): Record<string, string> {
    return url.pathname.startsWith('/services/data/v')
      ? { 'Sforce-Limit-Info': `api-usage=${this.apiUsed}/${this.dailyApiLimit}` }
      : {};
  }

  private injected(path: string): HttpError | undefined {
    const failure = this.failures.find((f) => f.left > 0 && (!f.path || f.path.test(path)));
    if (!failure) return undefined;
    failure.left--;
    const retryAfter: Record<string, string> =
      failure.retryAfter === undefined ? {} : { 'Retry-After': String(failure.retryAfter) };
    switch (failure.status) {
      case 401:
        return restError(401, 'INVALID_SESSION_ID', ERRORS.INVALID_SESSION_ID);
      case 403:
        return restError(403, 'REQUEST_LIMIT_EXCEEDED', ERRORS.REQUEST_LIMIT_EXCEEDED);
      case 500:
        return restError(500, 'UNKNOWN_EXCEPTION', ERRORS.UNKNOWN_EXCEPTION);
      case 503:
        return restError(503, 'SERVER_UNAVAILABLE', ERRORS.SERVER_UNAVAILABLE, retryAfter);
    }
  }

  private async route(
    method: string,
    url: URL,
    headers: IncomingMessage['headers'],
    raw: string,
  ): Promise<{ status: number; body: unknown; headers?: Record<string, string> }> {
    const path = url.pathname.replace(/\/$/, '');
    if (method === 'POST' && path === '/services/oauth2/token') {
      const failure = this.injected(path);
      if (failure) throw failure;
      return { status: 200, body: this.token(new URLSearchParams(raw)) };
    }
    if (method === 'GET' && path === '/services/data') {
      return {
        status: 200,
        body: this.versions.map((v) => ({
          label: 'Winter',
          url: `/services/data/v${v}`,
          version: v,
        })),
      };
    }
    const match = /^\/services\/data\/v(\d+\.\d)(\/.*)?$/.exec(path);
    if (!match || !this.versions.includes(match[1]!)) throw notFound();

    const userId = this.authenticate(headers.authorization);
    const failure = this.injected(path);
    if (failure) throw failure;
    if (this.apiDisabled === 'org') throw restError(403, 'API_DISABLED_FOR_ORG', ERRORS.API_DISABLED_FOR_ORG);
    if (this.apiDisabled === 'user')
      throw restError(403, 'API_CURRENTLY_DISABLED', ERRORS.API_CURRENTLY_DISABLED);
    if (this.apiUsed >= this.dailyApiLimit)
      throw restError(403, 'REQUEST_LIMIT_EXCEEDED', ERRORS.REQUEST_LIMIT_EXCEEDED);
    this.apiUsed++;
    return this.rest(method, match[2] ?? '', url, raw, userId);
  }

  private authenticate(authorization: string | undefined): string {
    const token = /^Bearer (.+)$/.exec(authorization ?? '')?.[1];
    const session = token ? this.sessions.get(token) : undefined;
    if (this.locked || !session?.valid) throw restError(401, 'INVALID_SESSION_ID', ERRORS.INVALID_SESSION_ID);
    return session.userId;
  }

  private rest(
    method: string,
    path: string,
    url: URL,
    raw: string,
    userId: string,
  ): { status: number; body: unknown } {
    const v = `/services/data/v${this.apiVersion}`;
    if (method === 'GET' && path === '') {
      return {
        status: 200,
        body: {
          sobjects: `${v}/sobjects`,
          query: `${v}/query`,
          limits: `${v}/limits`,
          identity: `${this.url}/id/${this.orgId}/${userId}`,
        },
      };
    }
    if (method === 'GET' && path === '/limits') {
      return {
        status: 200,
        body: {
          DailyApiRequests: {
            Max: this.dailyApiLimit,
            Remaining: Math.max(0, this.dailyApiLimit - this.apiUsed),
          },
          DailyBulkApiBatches: { Max: 15000, Remaining: 15000 },
          ConcurrentAsyncGetReportInstances: { Max: 200, Remaining: 200 },
        },
      };
    }
    if (method === 'GET' && (path === '/query' || path === '/tooling/query'))
      return this.query(url.searchParams.get('q') ?? '', path.startsWith('/tooling') ? '/tooling' : '');
    const page = /^(?:\/tooling)?\/query\/([\w-]+)$/.exec(path);
    if (method === 'GET' && page) return this.nextPage(page[1]!);

    const sobjectPath = /^\/sobjects\/(\w+)(?:\/(\w+))?(?:\/([^/]+))?$/.exec(path);
    if (sobjectPath) {
      const [, name = '', a, b] = sobjectPath;
      const sobject = this.visibleObject(name)?.[0];
      if (!sobject) throw notFound();
      if (method === 'POST' && !a) return this.create(sobject, parseJsonObject(raw));
      if (method === 'GET' && a && !b) return this.read(sobject, a);
      if (method === 'PATCH' && a && b)
        return this.upsert(sobject, a, decodeURIComponent(b), parseJsonObject(raw));
    }
    if (method === 'POST' && path === '/chatter/feed-elements')
      return this.postFeedElement(parseJsonObject(raw), userId);
    const feed = /^\/chatter\/feeds\/record\/(\w+)\/feed-elements$/.exec(path);
    if (method === 'GET' && feed) return this.feedOf(feed[1]!);
    throw notFound();
  }

  // ---- OAuth ----

  private token(params: URLSearchParams): Record<string, string> {
    const grantType = params.get('grant_type') ?? '';
    try {
      if (this.locked) throw oauthError(400, 'invalid_grant', 'authentication failure');
      const { app, userId, refreshToken } = this.grant(grantType, params);
      const accessToken = `00D000000000001!${randomBytes(24).toString('base64url')}`;
      this.sessions.set(accessToken, { userId, valid: true });
      const id = `${this.url}/id/${this.orgId}/${userId}`;
      const issuedAt = String(Date.now());
      this.tokenGrants.push({ grantType, outcome: 'issued' });
      // As documented: the JWT bearer answer has no issued_at and no signature.
      const isJwt = grantType === 'urn:ietf:params:oauth:grant-type:jwt-bearer';
      return {
        access_token: accessToken,
        ...(refreshToken ? { refresh_token: refreshToken } : {}),
        instance_url: this.url,
        id,
        token_type: 'Bearer',
        scope: 'api',
        ...(isJwt
          ? {}
          : {
              issued_at: issuedAt,
              signature: createHmac('sha256', app.clientSecret ?? app.clientId)
                .update(id + issuedAt)
                .digest('base64'),
            }),
      };
    } catch (err) {
      this.tokenGrants.push({
        grantType,
        outcome: err instanceof HttpError ? JSON.stringify(err.body) : String(err),
      });
      throw err;
    }
  }

  private grant(
    grantType: string,
    params: URLSearchParams,
  ): { app: ConnectedApp; userId: string; refreshToken?: string } {
    if (grantType === 'urn:ietf:params:oauth:grant-type:jwt-bearer') {
      const claims = this.verifyAssertion(params.get('assertion') ?? '');
      const app = this.apps.get(claims.iss)!;
      const user = this.all('User').find((u) => u.Username === claims.sub && u.IsActive !== false);
      if (!user) throw oauthError(400, 'invalid_grant', "user hasn't approved this consumer");
      return { app, userId: user.Id };
    }
    const app = this.apps.get(params.get('client_id') ?? '');
    if (!app) throw oauthError(400, 'invalid_client_id', 'client identifier invalid');
    if (grantType === 'client_credentials') {
      if (!app.clientSecret || params.get('client_secret') !== app.clientSecret)
        throw oauthError(400, 'invalid_client', 'invalid client credentials');
      if (!app.runAsUserId) throw oauthError(400, 'invalid_grant', 'no client credentials user enabled');
      return { app, userId: app.runAsUserId };
    }
    if (grantType === 'refresh_token') {
      const secret = params.get('client_secret');
      if (secret !== null && secret !== app.clientSecret)
        throw oauthError(400, 'invalid_client', 'invalid client credentials');
      const known = this.refreshTokens.get(params.get('refresh_token') ?? '');
      if (!known || known.clientId !== app.clientId)
        throw oauthError(400, 'invalid_grant', 'expired access/refresh token');
      return { app, userId: known.userId };
    }
    throw oauthError(400, 'unsupported_grant_type', 'grant type not supported');
  }

  private verifyAssertion(assertion: string): { iss: string; sub: string; aud: string; exp: number } {
    const [header, payload, signature] = assertion.split('.');
    if (!header || !payload || !signature) throw oauthError(400, 'invalid_grant', 'invalid assertion');
    let claims: { iss?: string; sub?: string; aud?: string; exp?: number };
    let alg: string | undefined;
    try {
      alg = (JSON.parse(Buffer.from(header, 'base64url').toString()) as { alg?: string }).alg;
      claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as typeof claims;
    } catch {
      throw oauthError(400, 'invalid_grant', 'invalid assertion');
    }
    const app = this.apps.get(claims.iss ?? '');
    if (!app?.publicKeyPem) throw oauthError(400, 'invalid_client_id', 'client identifier invalid');
    const signed = verify(
      'RSA-SHA256',
      Buffer.from(`${header}.${payload}`),
      createPublicKey(app.publicKeyPem),
      Buffer.from(signature, 'base64url'),
    );
    if (alg !== 'RS256' || !signed) throw oauthError(400, 'invalid_grant', 'invalid assertion');
    if (claims.aud !== this.url) throw oauthError(400, 'invalid_grant', 'audience is invalid');
    const now = Date.now() / 1000;
    if (typeof claims.exp !== 'number' || claims.exp < now || claims.exp > now + 300)
      throw oauthError(400, 'invalid_grant', 'expired authorization code');
    return claims as { iss: string; sub: string; aud: string; exp: number };
  }

  // ---- REST resources ----

  /** Tooling objects (Certificate, …) live in the same store; the path only shapes nextRecordsUrl. */
  private query(soql: string, api: '' | '/tooling' = ''): { status: number; body: unknown } {
    let rows: Record<string, unknown>[];
    try {
      rows = runQuery(this, soql);
    } catch (err) {
      if (err instanceof QueryRefused) throw restError(400, err.errorCode, err.message);
      throw err;
    }
    return this.pageOf(rows, rows.length, api);
  }

  private pageOf(
    rows: Record<string, unknown>[],
    total = rows.length,
    api: '' | '/tooling' = '',
  ): { status: number; body: unknown } {
    const page = rows.slice(0, this.queryBatchSize);
    const rest = rows.slice(this.queryBatchSize);
    let nextRecordsUrl: string | undefined;
    if (rest.length) {
      const cursor = `01g${randomBytes(6).toString('hex')}-${total - rest.length}`;
      this.cursors.set(cursor, { rows: rest, api });
      nextRecordsUrl = `/services/data/v${this.apiVersion}${api}/query/${cursor}`;
    }
    return {
      status: 200,
      body: {
        totalSize: total,
        done: !nextRecordsUrl,
        records: page,
        ...(nextRecordsUrl ? { nextRecordsUrl } : {}),
      },
    };
  }

  private nextPage(cursor: string): { status: number; body: unknown } {
    const saved = this.cursors.get(cursor);
    if (!saved) throw restError(400, 'INVALID_QUERY_LOCATOR', 'invalid query locator');
    this.cursors.delete(cursor);
    const seen = Number(cursor.split('-')[1]);
    return this.pageOf(saved.rows, seen + saved.rows.length, saved.api);
  }

  /** Fields the body names must exist; ids it points at must be readable. */
  private checkWrite(sobject: string, fields: Record<string, unknown>): void {
    const object = this.schema.get(sobject)!;
    for (const name of Object.keys(fields)) {
      if (!schemaField(object, name))
        throw fieldError('INVALID_FIELD', `No such column '${name}' on sobject of type ${sobject}`, [name]);
    }
    for (const value of Object.values(fields)) {
      const target = typeof value === 'string' ? this.byId(value) : undefined;
      if (target && !this.can(target.sobject, 'read'))
        throw restError(
          400,
          'INSUFFICIENT_ACCESS_ON_CROSS_REFERENCE_ENTITY',
          `insufficient access rights on cross-reference id: ${value}`,
        );
    }
  }

  private checkAccess(sobject: string, access: ObjectAccess): void {
    if (!this.can(sobject, access))
      throw restError(400, 'INSUFFICIENT_ACCESS_OR_READONLY', 'insufficient access rights on object id');
  }

  private checkRequired(sobject: string, fields: Record<string, unknown>): void {
    const present = new Set(
      Object.entries(fields)
        .filter(([, v]) => v !== null && v !== undefined && v !== '')
        .map(([k]) => k.toLowerCase()),
    );
    const missing = [...this.schema.get(sobject)!.required].filter((f) => !present.has(f.toLowerCase()));
    if (missing.length)
      throw fieldError(
        'REQUIRED_FIELD_MISSING',
        `Required fields are missing: [${missing.join(', ')}]`,
        missing,
      );
  }

  private create(sobject: string, fields: Record<string, unknown>): { status: number; body: unknown } {
    this.checkWrite(sobject, fields);
    this.checkAccess(sobject, 'create');
    this.checkRequired(sobject, fields);
    if (sobject === 'PermissionSetAssignment') {
      const duplicate = this.all(sobject).some(
        (a) => a.AssigneeId === fields.AssigneeId && a.PermissionSetId === fields.PermissionSetId,
      );
      if (duplicate) throw restError(400, 'DUPLICATE_VALUE', 'Duplicate PermissionSetAssignment');
      if (!this.byId(String(fields.PermissionSetId)) || !this.byId(String(fields.AssigneeId)))
        throw restError(400, 'INVALID_CROSS_REFERENCE_KEY', 'invalid cross reference id');
    }
    const id = this.insert(sobject, fields);
    return { status: 201, body: { id, success: true, errors: [] } };
  }

  private read(sobject: string, id: string): { status: number; body: unknown } {
    const found = this.byId(id);
    if (!found || found.sobject !== sobject) throw notFound();
    return { status: 200, body: { attributes: { type: sobject }, ...found.record } };
  }

  private upsert(
    sobject: string,
    name: string,
    value: string,
    fields: Record<string, unknown>,
  ): { status: number; body: unknown } {
    const object = this.schema.get(sobject)!;
    const field = schemaField(object, name);
    if (!field)
      throw restError(
        404,
        'NOT_FOUND',
        `Provided external ID field does not exist or is not accessible: ${name}`,
      );
    if (!object.externalIds.has(field))
      throw restError(
        400,
        'INVALID_FIELD',
        `Field name provided, ${field} does not match an External ID, Salesforce Id, or indexed field for ${sobject}`,
      );
    if ('Id' in fields) throw restError(400, 'INVALID_FIELD', 'Unable to create/update fields: Id');
    this.checkWrite(sobject, fields);
    const matches = this.all(sobject).filter((r) => {
      const key = fieldKey(r, field);
      return key !== undefined && r[key] === value;
    });
    if (matches.length > 1)
      throw new HttpError(
        300,
        matches.map((m) => `/services/data/v${this.apiVersion}/sobjects/${sobject}/${m.Id}`),
      );
    const existing = matches[0];
    if (existing) {
      this.checkAccess(sobject, 'edit');
      Object.assign(existing, fields);
      this.upserts.push({ sobject, field, value, body: fields, created: false });
      return { status: 200, body: { id: existing.Id, success: true, errors: [], created: false } };
    }
    this.checkAccess(sobject, 'create');
    this.checkRequired(sobject, fields);
    const id = this.insert(sobject, { ...fields, [field]: value });
    this.upserts.push({ sobject, field, value, body: fields, created: true });
    return { status: 201, body: { id, success: true, errors: [], created: true } };
  }

  private postFeedElement(body: Record<string, unknown>, userId: string): { status: number; body: unknown } {
    const subjectId = String(body.subjectId ?? '');
    const segments = ((body.body as { messageSegments?: unknown[] } | undefined)?.messageSegments ?? []) as {
      type: string;
      text?: string;
      id?: string;
    }[];
    if (body.feedElementType !== 'FeedItem' || !segments.length)
      throw restError(
        400,
        'JSON_PARSER_ERROR',
        'feedElementType FeedItem and body.messageSegments are required',
      );
    if (!this.byId(subjectId))
      throw restError(404, 'NOT_FOUND', `The requested resource does not exist: ${subjectId}`);
    const text = segments.map((s) => (s.type === 'Mention' ? `@${s.id}` : (s.text ?? ''))).join('');
    const id = this.insert('FeedItem', {
      ParentId: subjectId,
      Body: text,
      CreatedById: userId,
      Mentions: segments.filter((s) => s.type === 'Mention').map((s) => s.id),
    });
    return { status: 201, body: this.feedElement(this.byId(id)!.record) };
  }

  private feedElement(item: OrgRecord): Record<string, unknown> {
    return {
      id: item.Id,
      type: 'TextPost',
      feedElementType: 'FeedItem',
      createdDate: item.CreatedDate,
      parent: { id: item.ParentId },
      body: { text: item.Body, isRichText: false },
      url: `/services/data/v${this.apiVersion}/chatter/feed-elements/${item.Id}`,
    };
  }

  private feedOf(recordId: string): { status: number; body: unknown } {
    if (!this.byId(recordId)) throw notFound();
    const elements = this.all('FeedItem')
      .filter((f) => f.ParentId === recordId)
      .reverse()
      .slice(0, 25)
      .map((f) => this.feedElement(f));
    return { status: 200, body: { elements, currentPageUrl: null, nextPageUrl: null } };
  }

  /** Chatter posts on a record, oldest first. */
  feedItems(recordId: string): OrgRecord[] {
    return this.all('FeedItem').filter((f) => f.ParentId === recordId);
  }
}

function parseJsonObject(raw: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(raw);
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw restError(400, 'JSON_PARSER_ERROR', 'The request body is not a JSON object');
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string>): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json;charset=UTF-8',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

export async function startSalesforceDouble(
  options?: ConstructorParameters<typeof SalesforceDouble>[0],
): Promise<SalesforceDouble> {
  return new SalesforceDouble(options).start();
}
