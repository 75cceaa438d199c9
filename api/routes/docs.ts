import type Router from '@koa/router';
import type { ApiDeps, Ctx } from '../context';

/** `/openapi.json` and the `/docs` page. */
export function docsRoutes(_router: Router<unknown, Ctx>, _deps: ApiDeps): void {}
