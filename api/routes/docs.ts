import type Router from '@koa/router';
import fs from 'node:fs';
import path from 'node:path';
import type { RouteDeps, Ctx } from '../context';
import { notFound } from '../../services/errors';
import { buildOpenApiDocument, type RouteGroup } from '../openapi';
import { adminRouteSpecs } from './admin';
import { protectedRouteSpecs, publicRouteSpecs } from './index';

const ASSETS_PREFIX = '/docs/assets';

/** The swagger-ui-dist files the page needs (and their source maps); nothing else in that folder is served. */
const SWAGGER_ASSETS: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui.css.map': 'application/json',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'swagger-ui-bundle.js.map': 'application/json',
  'favicon-16x16.png': 'image/png',
  'favicon-32x32.png': 'image/png',
};

const swaggerDir = (): string => path.dirname(require.resolve('swagger-ui-dist/package.json'));

/** Our initializer, served as a file rather than an inline script so a strict CSP can forbid inline scripts. */
const INIT_SCRIPT = `window.addEventListener('load', function () {
  window.ui = SwaggerUIBundle({
    url: '/openapi.json',
    dom_id: '#swagger-ui',
    deepLinking: true,
    displayRequestDuration: true,
    presets: [SwaggerUIBundle.presets.apis],
    layout: 'BaseLayout',
  });
});
`;

const PAGE = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Switchboard API reference</title>
  <link rel="stylesheet" href="${ASSETS_PREFIX}/swagger-ui.css">
  <link rel="icon" type="image/png" sizes="32x32" href="${ASSETS_PREFIX}/favicon-32x32.png">
  <link rel="icon" type="image/png" sizes="16x16" href="${ASSETS_PREFIX}/favicon-16x16.png">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="${ASSETS_PREFIX}/swagger-ui-bundle.js"></script>
  <script src="${ASSETS_PREFIX}/docs-init.js"></script>
</body>
</html>
`;

/** Every route group as it exists now; admin routes are listed only when the admin API is enabled. */
export function routeGroups(deps: RouteDeps): RouteGroup[] {
  return [
    { access: 'public', specs: publicRouteSpecs(deps) },
    { access: 'key', specs: protectedRouteSpecs(deps) },
    ...(deps.config.ADMIN_TOKEN ? [{ access: 'admin' as const, specs: adminRouteSpecs(deps) }] : []),
  ];
}

/** `/openapi.json` and the `/docs` page (Swagger UI served from swagger-ui-dist, no CDN). */
export function docsRoutes(router: Router<unknown, Ctx>, deps: RouteDeps): void {
  // Built on first request, from the route specs that exist then, and cached for the life of the process.
  let document: string | undefined;
  const openApiJson = (): string =>
    (document ??= JSON.stringify(
      buildOpenApiDocument(routeGroups(deps), { version: packageVersion(), serverUrl: deps.config.PUBLIC_URL }),
    ));

  router.get('/openapi.json', (ctx) => {
    ctx.type = 'application/json';
    ctx.set('Cache-Control', 'no-cache');
    ctx.body = openApiJson();
  });

  const page = (ctx: Ctx) => {
    ctx.type = 'text/html; charset=utf-8';
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.body = PAGE;
  };
  router.get('/docs', page);
  router.get('/docs/', page);

  router.get(`${ASSETS_PREFIX}/docs-init.js`, (ctx) => {
    ctx.type = 'text/javascript; charset=utf-8';
    ctx.body = INIT_SCRIPT;
  });

  // A handful of static files, read once and kept in memory.
  const assets = new Map<string, Buffer>();
  router.get(`${ASSETS_PREFIX}/:file`, async (ctx) => {
    const name = ctx.params.file;
    const type = Object.hasOwn(SWAGGER_ASSETS, name) ? SWAGGER_ASSETS[name] : undefined;
    if (!type) throw notFound('Asset');
    let content = assets.get(name);
    if (!content) {
      content = await fs.promises.readFile(path.join(swaggerDir(), name)).catch(() => undefined);
      if (!content) throw notFound('Asset');
      assets.set(name, content);
    }
    ctx.type = type;
    ctx.set('Cache-Control', 'public, max-age=86400');
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.body = content;
  });
}

let version: string | undefined;
function packageVersion(): string {
  if (!version) {
    const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version?: string };
    version = pkg.version ?? '0.0.0';
  }
  return version;
}
