import type { ApiDeps } from '../context';
import type { RouteSpec } from '../routing';
import { seaxJobRoutes } from './seax/jobs';
import { healthRoutes, meRoutes } from './system';
import { zagelyExportRoutes } from './zagely/exports';

/** Routes that need no key. */
export function publicRouteSpecs(deps: ApiDeps): RouteSpec[] {
  return [...healthRoutes(deps)];
}

/** Every authenticated route of both dialects. */
export function protectedRouteSpecs(deps: ApiDeps): RouteSpec[] {
  return [
    ...meRoutes(deps),
    ...seaxJobRoutes(deps),
    ...zagelyExportRoutes(deps),
  ];
}
