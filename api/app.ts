import Router from '@koa/router';
import { bodyParser } from '@koa/bodyparser';
import Koa from 'koa';
import { keyList } from '../lib/sealed-secrets';
import type { ApiDeps, Ctx, State } from './context';
import { authenticate } from './middleware/auth';
import { errorHandler } from './middleware/errors';
import { idempotency } from './middleware/idempotency';
import { jsonDepthLimit } from './middleware/json-depth';
import { rateLimit } from './middleware/rate-limit';
import { mountRoutes } from './routing';
import { adminRoutes } from './routes/admin';
import { docsRoutes } from './routes/docs';
import { protectedRouteSpecs, publicRouteSpecs } from './routes';

/** The Koa application: middleware and routers. It never listens; server.ts and tests do. */
export function createApp(deps: ApiDeps): Koa<State> {
  const app = new Koa<State>({ proxy: deps.config.TRUST_PROXY });
  app.use(errorHandler(deps.logger));
  // 'form' for Twilio's callbacks; the raw body stays at ctx.request.rawBody for signature checks.
  app.use(bodyParser({ enableTypes: ['json', 'form'], jsonLimit: '5mb', formLimit: '1mb', encoding: 'utf-8', parsedMethods: ['POST', 'PUT', 'PATCH', 'DELETE'] }) as unknown as Koa.Middleware<State>);
  app.use(jsonDepthLimit);

  // Public: health, OpenAPI document and docs page, admin API (its own token).
  const publicRouter = new Router<unknown, Ctx>();
  mountRoutes(publicRouter, publicRouteSpecs(deps));
  docsRoutes(publicRouter, deps);
  adminRoutes(publicRouter, deps);
  app.use(publicRouter.routes() as unknown as Koa.Middleware<State>);

  // Everything else needs a key: auth → per-key limits → idempotency → the route.
  const protectedRouter = new Router<unknown, Ctx>();
  mountRoutes(protectedRouter, protectedRouteSpecs(deps));
  const auth = authenticate(deps.db);
  const limits = rateLimit(deps.db, deps.clock);
  const idem = idempotency(deps.db, { credentialsKeys: keyList(deps.config.CREDENTIALS_ENCRYPTION_KEY) });
  const routes = protectedRouter.routes();
  app.use(async (ctx, next) => {
    const c = ctx as unknown as Ctx;
    if (!protectedRouter.match(ctx.path, ctx.method).route) return next();
    await auth(c, () => limits(c, () => idem(c, () => routes(ctx as never, next))));
  });
  return app;
}
