import Router from '@koa/router';
import { bodyParser } from '@koa/bodyparser';
import Koa from 'koa';
import { exportLinkSecret } from '../lib/export-link';
import { keyList } from '../lib/sealed-secrets';
import { simulatorCallbackSecret } from '../lib/simulator-secret';
import { createServices } from '../services';
import { workflowStarters } from '../temporal/starters';
import type { ApiConfig } from './config';
import type { ApiDeps, Ctx, RouteDeps, State } from './context';
import { authenticate } from './middleware/auth';
import { errorHandler } from './middleware/errors';
import { idempotency } from './middleware/idempotency';
import { jsonDepthLimit } from './middleware/json-depth';
import { rateLimit } from './middleware/rate-limit';
import { mountRoutes } from './routing';
import { adminRoutes } from './routes/admin';
import { docsRoutes } from './routes/docs';
import { protectedRouteSpecs, publicRouteSpecs } from './routes';

/** The use cases' settings, from the API's configuration. */
export const serviceSettings = (config: ApiConfig) => ({
  campaignTuning: { batchSize: config.CAMPAIGN_BATCH_SIZE, parallelBatches: config.CAMPAIGN_PARALLEL_BATCHES, concurrency: config.CAMPAIGN_CONCURRENCY },
  minRecurrenceSeconds: config.CAMPAIGN_MIN_RECURRENCE_SECONDS,
  exportDir: config.EXPORT_DIR,
  exportLinkSecret: exportLinkSecret(config),
  credentialsKey: config.CREDENTIALS_ENCRYPTION_KEY,
  simulatorSecret: simulatorCallbackSecret(config),
  whatsappAppSecret: config.WHATSAPP_APP_SECRET,
  whatsappVerifyToken: config.WHATSAPP_VERIFY_TOKEN,
  outboundAllowedHosts: config.OUTBOUND_ALLOWED_HOSTS,
  simulatorEnabled: config.SIMULATOR_ENABLED,
  publicUrl: config.PUBLIC_URL,
});

/** What the routes are built from: the use cases over the API's database, Temporal client and configuration. */
export function routeDeps(api: ApiDeps): RouteDeps {
  const services = createServices({
    db: api.db,
    starters: workflowStarters(api.temporal, api.config.TEMPORAL_TASK_QUEUE),
    logger: api.logger,
    clock: api.clock,
    settings: serviceSettings(api.config),
  });
  return { services, config: api.config, logger: api.logger, clock: api.clock };
}

/** The Koa application: middleware and routers. It never listens; server.ts and tests do. */
export function createApp(api: ApiDeps): Koa<State> {
  const deps = routeDeps(api);
  const { services } = deps;
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
  const auth = authenticate(services.access);
  const limits = rateLimit(services.access, deps.clock);
  const idem = idempotency(services.access.idempotency, { credentialsKeys: keyList(deps.config.CREDENTIALS_ENCRYPTION_KEY) });
  const routes = protectedRouter.routes();
  app.use(async (ctx, next) => {
    const c = ctx as unknown as Ctx;
    if (!protectedRouter.match(ctx.path, ctx.method).route) return next();
    await auth(c, () => limits(c, () => idem(c, () => routes(ctx as never, next))));
  });
  return app;
}
