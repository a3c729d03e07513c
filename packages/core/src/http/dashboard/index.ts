// PLACEHOLDER: the dashboard page lives here. The issue-8-dash branch replaces this module's
// contents; svhttp serves GET PATH for every PATH of the map (and `/` for `/index.html`) and
// knows nothing else about the page. Contract: the API of docs/svhttp.md, sessions by
// POST /api/v1/session (cookie svhttp_session), control by POST with the same origin.
export interface Asset {
  /** Content-Type, e.g. `text/html; charset=utf-8`. */
  readonly type: string;
  readonly body: string | Buffer;
}

export function dashboardAssets(): Map<string, Asset> {
  return new Map([
    ['/index.html', {
      type: 'text/html; charset=utf-8',
      body: '<!doctype html><meta charset="utf-8"><title>svhttp</title><p>svhttp: the dashboard is not built in; the API is at <a href="/api/v1/services">/api/v1/services</a>.</p>\n',
    }],
  ]);
}
