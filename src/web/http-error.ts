/**
 * A refused request: the HTTP status, a stable code for programs and a message for the person.
 * Every error the API answers is `{"error": code, "message": text}`.
 */
export class HttpError extends Error {
  override name = 'HttpError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** extra response headers, e.g. WWW-Authenticate or Allow */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export const badRequest = (message: string) => new HttpError(400, 'bad_request', message);
export const notFound = (message: string) => new HttpError(404, 'not_found', message);
