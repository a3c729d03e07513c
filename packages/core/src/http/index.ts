// @svkit/core/http: svhttp's server. Kept out of @svkit/core's index so prom-client is bundled
// into svhttp only.
export { createSvhttp, type ServerOptions } from './server.ts';
export { loadTokens, parseTokens, type Token, type Role } from './tokens.ts';
export { COMMANDS } from './commands.ts';
export { renderServiceFamilies, SERVICE_FAMILIES, type ServiceSample } from './servicefamilies.ts';
export { Metrics } from './metrics.ts';
export type { ServiceJson } from './services.ts';
