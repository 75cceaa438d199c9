import type { Knex } from 'knex';
import type { Client } from '@temporalio/client';
import type { ParameterizedContext } from 'koa';
import type { Logger } from '../lib/logger';
import type { Principal } from '../services/access';
import type { Services } from '../services';
import type { ApiConfig } from './config';
import type { Dialect } from './errors';

/** Everything the API needs from the outside, passed explicitly so tests build it from real parts. */
export interface ApiDeps {
  db: Knex;
  temporal: Client;
  config: ApiConfig;
  logger: Logger;
  /** Injectable time for rate-limit windows; defaults to the system clock. */
  clock?: () => Date;
}

/** What route factories are given: the use cases, the configuration, a logger and the clock; never the database. */
export interface RouteDeps {
  services: Services;
  config: ApiConfig;
  logger: Logger;
  clock?: () => Date;
}

export type { Principal };

export interface State {
  requestId: string;
  dialect: Dialect;
  principal?: Principal;
  usage?: { minute: number; day: number; month: number };
}

export type Ctx = ParameterizedContext<State> & { request: { body?: unknown; rawBody?: string } };
