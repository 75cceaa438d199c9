import type Router from '@koa/router';
import type { ApiDeps, Ctx } from '../context';

/** Operator API under /admin/v1, guarded by ADMIN_TOKEN. */
export function adminRoutes(_router: Router<unknown, Ctx>, _deps: ApiDeps): void {}
