import type { Knex } from 'knex';
import type { Client } from '@temporalio/client';
import type { ParameterizedContext } from 'koa';
import type { Logger } from '../lib/logger';
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

/** Who is calling: set by the auth middleware on every authenticated route. */
export interface Principal {
  keyId: string;
  keyName: string;
  kind: 'seax' | 'pair';
  workspaceId: string;
  /** ISO country used to read phone numbers written without a country code. */
  defaultCountry: string;
  abilities: string[];
  sessionId: string | null;
  expiresAt: Date | null;
  lastUsedAt: Date | null;
  limits: { per_minute: number; daily: number; monthly: number };
}

export interface State {
  requestId: string;
  dialect: Dialect;
  principal?: Principal;
  usage?: { minute: number; day: number; month: number };
}

export type Ctx = ParameterizedContext<State> & { request: { body?: unknown; rawBody?: string } };
