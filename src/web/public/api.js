// The JSON API as the page uses it. Changes carry the admin token remembered on this device.

const TOKEN_KEY = 'wmbus-admin-token';

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export const token = {
  get: () => localStorage.getItem(TOKEN_KEY) ?? '',
  set: (v) => localStorage.setItem(TOKEN_KEY, v),
  clear: () => localStorage.removeItem(TOKEN_KEY),
};

async function call(method, path, body, tokenOverride) {
  const headers = {};
  const tok = tokenOverride ?? token.get();
  if (method !== 'GET' || tokenOverride !== undefined) {
    if (tok) headers.Authorization = `Bearer ${tok}`;
  }
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let res;
  try {
    res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (err) {
    throw new ApiError(0, 'network', err.message);
  }
  const data = await res.json().catch(() => null);
  if (!res.ok) throw new ApiError(res.status, data?.error ?? 'http', data?.message ?? `HTTP ${res.status}`);
  return data;
}

export const api = {
  get: (path) => call('GET', path),
  send: (method, path, body) => call(method, path, body),
  checkToken: (tok) => call('GET', '/api/token', undefined, tok),
};
