import type { ApiDeps } from '../context';
import type { RouteSpec } from '../routing';
import { healthRoutes, meRoutes } from './system';

/** Routes that need no key. */
export function publicRouteSpecs(deps: ApiDeps): RouteSpec[] {
  return [...healthRoutes(deps)];
}

/** Every authenticated route of both dialects. */
export function protectedRouteSpecs(deps: ApiDeps): RouteSpec[] {
  return [...meRoutes(deps)];
}
