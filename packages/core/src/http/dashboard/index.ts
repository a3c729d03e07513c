// The web dashboard of svhttp: plain files next to this module (index.html, app.js, app.css),
// served as they are. In dist/svhttp.mjs they are inlined at bundle time (scripts/bundle.mjs
// defines __SVKIT_DASHBOARD__), so an installed svhttp needs no file beside its bundle; run from
// the sources (tsx), they are read from this directory once, on the first call.
import { readFileSync } from 'node:fs';

declare const __SVKIT_DASHBOARD__: Record<string, string> | undefined;

export interface DashboardAsset {
  readonly type: string;
  readonly body: string | Buffer;
}

/** The page's files: the one list scripts/bundle.mjs inlines, file name -> URL path and type. */
export const DASHBOARD_FILES: Readonly<Record<string, { path: string; type: string }>> = {
  'index.html': { path: '/', type: 'text/html; charset=utf-8' },
  'app.js': { path: '/app.js', type: 'text/javascript; charset=utf-8' },
  'app.css': { path: '/app.css', type: 'text/css; charset=utf-8' },
};

let assets: Map<string, DashboardAsset> | undefined;

function source(file: string): string {
  if (typeof __SVKIT_DASHBOARD__ === 'object' && __SVKIT_DASHBOARD__ !== null) {
    const text = __SVKIT_DASHBOARD__[file];
    if (typeof text === 'string') return text;
  }
  return readFileSync(new URL(file, import.meta.url), 'utf8'); // sync-ok: svhttp's own source files, once, never user-controlled
}

/** URL path (`/` and `/index.html`, `/app.js`, `/app.css`) -> content type and body. */
export function dashboardAssets(): Map<string, DashboardAsset> {
  if (assets === undefined) {
    assets = new Map();
    for (const [file, { path, type }] of Object.entries(DASHBOARD_FILES)) assets.set(path, { type, body: source(file) });
    assets.set('/index.html', assets.get('/')!); // svhttp serves `/` as `/index.html`
  }
  return assets;
}
