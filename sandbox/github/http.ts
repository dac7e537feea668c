/** Replies and GitHub-shaped errors. */
import type { Account } from './users.js';

const DOCS_URL = 'https://docs.github.com/rest';

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface ValidationErrorItem {
  resource: string;
  code: 'missing_field' | 'invalid' | 'already_exists' | 'custom' | 'too_large';
  field?: string;
  message?: string;
}

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly errors?: ValidationErrorItem[],
    readonly headers?: Record<string, string>,
  ) {
    super(message);
  }

  toReply(): Reply {
    return {
      status: this.status,
      body: errorBody(this.status, this.message, this.errors),
      headers: this.headers,
    };
  }
}

export function errorBody(status: number, message: string, errors?: ValidationErrorItem[]) {
  return {
    message,
    ...(errors ? { errors } : {}),
    documentation_url: DOCS_URL,
    status: String(status),
  };
}

export const ok = (body: unknown, headers?: Record<string, string>): Reply => ({
  status: 200,
  body,
  headers,
});
export const created = (body: unknown, location?: string): Reply => ({
  status: 201,
  body,
  headers: location ? { location } : undefined,
});
export const noContent = (): Reply => ({ status: 204 });

export const notFound = (message = 'Not Found'): HttpError => new HttpError(404, message);
export const requiresAuthentication = (): HttpError =>
  new HttpError(401, 'Requires authentication');
export const unprocessable = (message: string): HttpError => new HttpError(422, message);
export const validationFailed = (errors: ValidationErrorItem[]): HttpError =>
  new HttpError(422, 'Validation Failed', errors);

/** The contents API's answer for a blob over 1 MB (the Git Data API serves up to 100 MB). */
export const CONTENTS_API_MAX_BYTES = 1024 * 1024;
export const blobTooLarge = (): HttpError =>
  new HttpError(
    403,
    'This API returns blobs up to 1 MB in size. The requested blob is too large to fetch via the API, but you can use the Git Data API to request blobs up to 100 MB in size.',
    [{ resource: 'Blob', field: 'data', code: 'too_large' }],
  );

/** 403 worded as GitHub words it for apps (bots) and for personal tokens. */
export function forbidden(account: Account): HttpError {
  const by = account.type === 'Bot' ? 'integration' : 'personal access token';
  return new HttpError(403, `Resource not accessible by ${by}`);
}
