/** SCIM error types of RFC 7644 §3.12 (Table 9). */
export type ScimType =
  | 'invalidFilter'
  | 'tooMany'
  | 'uniqueness'
  | 'mutability'
  | 'invalidSyntax'
  | 'invalidPath'
  | 'noTarget'
  | 'invalidValue'
  | 'invalidVers'
  | 'sensitive';

/** A SCIM protocol failure, rendered once by `onError` as RFC 7644 §3.12 JSON. */
export class ScimError extends Error {
  readonly status: number;
  readonly scimType: ScimType | undefined;
  readonly headers: Record<string, string>;
  constructor(status: number, scimType: ScimType | undefined, detail: string, headers: Record<string, string> = {}) {
    super(detail);
    this.name = 'ScimError';
    this.status = status;
    this.scimType = scimType;
    this.headers = headers;
  }
}

/** A failure shown to a person as a plain page (sign-in, the setup page) with a reference id; `reason` is only logged. */
export class PageError extends Error {
  readonly status: number;
  /** What the person sees. */
  readonly publicMessage: string;
  /** The page's heading. */
  readonly title: string;
  constructor(status: number, publicMessage: string, reason: string, title = 'Sign-in failed') {
    super(reason);
    this.name = 'PageError';
    this.status = status;
    this.publicMessage = publicMessage;
    this.title = title;
  }
}

/** Why a store refused: the management API answers 400, 404, 409 or 502 for them. */
export type StoreRefusal = 'invalid' | 'not_found' | 'conflict' | 'upstream';

/**
 * A store refused an operator's or IT admin's change (unknown tenant, slug taken, a quota below what
 * is held, …): shown as-is by the setup page and the management API; the CLI adds `cliHint`, the
 * command that shows what exists (`token list acme`).
 */
export class StoreError extends Error {
  override name = 'StoreError';
  readonly refusal: StoreRefusal;
  readonly cliHint: string | undefined;
  constructor(message: string, refusal: StoreRefusal = 'invalid', cliHint?: string) {
    super(message);
    this.refusal = refusal;
    this.cliHint = cliHint;
  }
}

/**
 * A failure of the management API (`/api/v1`), rendered once by `onError` as RFC 9457 problem
 * details (`application/problem+json`); `detail` says what went wrong with this request.
 */
export class ApiProblem extends Error {
  readonly status: number;
  readonly headers: Record<string, string>;
  /** RFC 9457 §3.2 extension members: what a client acts on besides the status (`oldestSeq` of a 410). */
  readonly extensions: Record<string, unknown>;
  constructor(status: number, detail: string, headers: Record<string, string> = {}, extensions: Record<string, unknown> = {}) {
    super(detail);
    this.name = 'ApiProblem';
    this.status = status;
    this.headers = headers;
    this.extensions = extensions;
  }
}
