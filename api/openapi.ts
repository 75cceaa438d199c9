import { z } from 'zod';
import {
  createDocument,
  createSchema,
  type CreateDocumentOptions,
  type oas31,
  type ZodOpenApiObject,
  type ZodOpenApiOperationObject,
  type ZodOpenApiPathsObject,
  type ZodOpenApiResponsesObject,
} from 'zod-openapi';
import { dialectOf, type Dialect } from './errors';
import type { RouteSpec } from './routing';

/** Who may call a group of routes: nobody in particular, a workspace API key, or the operator's ADMIN_TOKEN. */
export type RouteAccess = 'public' | 'key' | 'admin';

export interface RouteGroup {
  access: RouteAccess;
  specs: RouteSpec[];
}

export interface OpenApiOptions {
  title?: string;
  version: string;
  description?: string;
  /** Advertised server URL (PUBLIC_URL); without it clients use the origin the document came from. */
  serverUrl?: string;
}

type Io = 'input' | 'output';
type JsonSchema = oas31.SchemaObject | oas31.ReferenceObject;

const OPENAPI_VERSION = '3.1.0';

/** Dates leave the API as ISO strings. */
const RENDER_OPTIONS: CreateDocumentOptions = {
  override: ({ jsonSchema, zodSchema }) => {
    if (zodSchema._zod.def.type === 'date') {
      jsonSchema.type = 'string';
      jsonSchema.format = 'date-time';
    }
  },
};

/** Zagely's documented error envelope. */
export const zagelyErrorSchema = z
  .object({
    error: z.object({
      code: z.string().meta({ example: 'validation_failed' }),
      message: z.string().meta({ example: 'The name field: is required' }),
      details: z.record(z.string(), z.unknown()).optional(),
    }),
    request_id: z.string(),
  })
  .meta({ description: 'Zagely error envelope.' });

/** SeaX errors carry both documented shapes: `{error, message, status_code}` and FastAPI's `{detail}`. */
export const seaxErrorSchema = z
  .looseObject({
    error: z.string().meta({ example: 'Validation Error' }),
    message: z.string(),
    status_code: z.number().int(),
    code: z.string(),
    request_id: z.string(),
    details: z.record(z.string(), z.unknown()).optional(),
    detail: z.union([
      z.string(),
      z.array(z.object({ loc: z.array(z.string()), msg: z.string(), type: z.string() })),
    ]),
    retry_after: z.number().int().optional(),
  })
  .meta({ description: 'SeaX error body.' });

const ERROR_COMPONENT: Record<Dialect, string> = { zagely: 'ZagelyError', seax: 'SeaXError' };

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'Bad request: the body is not valid JSON, or a header is malformed.',
  401: 'Missing, invalid, disabled or expired credentials.',
  403: 'The credentials do not allow this operation.',
  404: 'Not found.',
  409: 'Conflict with the current state (or an idempotent request still in progress).',
  413: 'The request body (or an uploaded file) is too large.',
  415: 'The body is not in a media type this route takes (uploads are multipart/form-data).',
  422: 'Validation failed; `details` names each offending field.',
  429: 'Rate limit or quota exceeded; see Retry-After.',
  500: 'Internal server error; quote the request_id.',
  503: 'A dependency is down (the database, the workflow service) or not configured; retry after Retry-After.',
};

const SUCCESS_DESCRIPTIONS: Record<number, string> = { 200: 'OK', 201: 'Created', 202: 'Accepted', 204: 'No content', 302: 'Found: a redirect to the Location header' };

const MUTATING = new Set(['post', 'put', 'patch', 'delete']);

const SECURITY_SCHEMES: Record<string, oas31.SecuritySchemeObject> = {
  ApiKeyAuth: { type: 'apiKey', in: 'header', name: 'X-API-Key', description: 'SeaX workspace API key.' },
  BearerAuth: { type: 'http', scheme: 'bearer', description: 'The SeaX API key sent as `Authorization: Bearer <key>`.' },
  PublicKey: { type: 'apiKey', in: 'header', name: 'X-Public-Key', description: 'Zagely public key (`pk_…`); send with X-Secret-Key.' },
  SecretKey: { type: 'apiKey', in: 'header', name: 'X-Secret-Key', description: 'Zagely secret key (`sk_…`); send with X-Public-Key.' },
  AdminToken: { type: 'http', scheme: 'bearer', description: 'The operator token (ADMIN_TOKEN) for /admin/v1.' },
};

const SECURITY: Record<RouteAccess, oas31.SecurityRequirementObject[]> = {
  public: [],
  key: [{ ApiKeyAuth: [] }, { BearerAuth: [] }, { PublicKey: [], SecretKey: [] }],
  admin: [{ AdminToken: [] }],
};

/** `/api/v1/contacts/:contact` → `/api/v1/contacts/{contact}`. */
export const toOpenApiPath = (koaPath: string): string => koaPath.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, '{$1}');

const pathParamNames = (openApiPath: string): string[] => [...openApiPath.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);

function operationId(spec: RouteSpec): string {
  const words = spec.path
    .split('/')
    .filter(Boolean)
    .map((s) => s.replace(/^:/, 'by_').replace(/[^A-Za-z0-9]+/g, '_'));
  return [spec.method, ...words].join('_');
}

/** Every status an operation can answer besides its success: its own `errors`, and what the middleware adds. */
export function errorStatuses(spec: RouteSpec, access: RouteAccess): number[] {
  const statuses = new Set<number>(spec.errors ?? []);
  const hasPathParams = spec.path.includes(':');
  // Any request's query or body may carry what PostgreSQL cannot store (api/input-safety.ts): a 422 naming it.
  statuses.add(422);
  if (spec.body) statuses.add(400).add(413);
  if (spec.upload) statuses.add(413).add(415);
  if (access === 'key') {
    statuses.add(401).add(429);
    if (spec.ability || dialectOf(spec.path) === 'seax') statuses.add(403);
    if (hasPathParams) statuses.add(404);
    // Idempotency-Key (api/middleware/idempotency.ts): a malformed key, one still in progress, one reused.
    if (MUTATING.has(spec.method)) statuses.add(400).add(409).add(422);
  }
  if (access === 'admin') {
    statuses.add(401);
    if (hasPathParams) statuses.add(404);
  }
  // The database down (api/middleware/errors.ts), on every route.
  statuses.add(500).add(503);
  return [...statuses].sort((a, b) => a - b);
}

function describe(spec: RouteSpec): string | undefined {
  const parts = [spec.description, spec.ability ? `Requires the \`${spec.ability}\` ability.` : undefined].filter(Boolean);
  return parts.length ? parts.join('\n\n') : undefined;
}

function errorResponses(spec: RouteSpec, access: RouteAccess): ZodOpenApiResponsesObject {
  const ref = { $ref: `#/components/schemas/${ERROR_COMPONENT[dialectOf(spec.path)]}` };
  const out: ZodOpenApiResponsesObject = {};
  for (const status of errorStatuses(spec, access)) {
    out[`${status}` as `${1 | 2 | 3 | 4 | 5}${string}`] = {
      description: ERROR_DESCRIPTIONS[status] ?? 'Error',
      content: { 'application/json': { schema: ref } },
    };
  }
  return out;
}

function successResponse(spec: RouteSpec, schema?: z.ZodType | JsonSchema) {
  const status = spec.status ?? 200;
  const types = spec.responseType === undefined ? ['application/json'] : [spec.responseType].flat();
  return {
    [String(status)]: {
      description: SUCCESS_DESCRIPTIONS[status] ?? 'Success',
      ...(schema && status !== 204 && status !== 302 ? { content: Object.fromEntries(types.map((t) => [t, { schema }])) } : {}),
      ...(status === 302 ? { headers: { Location: { description: 'Where the link leads', schema: { type: 'string' as const } } } } : {}),
    },
  };
}

function baseOperation(spec: RouteSpec, access: RouteAccess): Omit<ZodOpenApiOperationObject, 'responses'> {
  return {
    operationId: operationId(spec),
    tags: [spec.tag],
    summary: spec.summary,
    description: describe(spec),
    security: SECURITY[access],
    ...(spec.ability ? { 'x-required-ability': spec.ability } : {}),
  };
}

/** The operation as zod-openapi input: request schemas render as their input type, responses as output. */
function zodOperation(spec: RouteSpec, access: RouteAccess): ZodOpenApiOperationObject {
  const requestParams: NonNullable<ZodOpenApiOperationObject['requestParams']> = {};
  if (spec.params) requestParams.path = spec.params as z.ZodType<unknown, Record<string, unknown>>;
  if (spec.query) requestParams.query = spec.query as z.ZodType<unknown, Record<string, unknown>>;
  return {
    ...baseOperation(spec, access),
    ...(spec.params || spec.query ? { requestParams } : {}),
    ...(spec.body ? { requestBody: { required: bodyRequired(spec.body), content: { 'application/json': { schema: spec.body } } } } : {}),
    ...(spec.upload ? { requestBody: { required: true, content: { 'multipart/form-data': { schema: uploadSchema(spec.upload) } } } } : {}),
    responses: { ...successResponse(spec, spec.response), ...errorResponses(spec, access) },
  };
}

/** A multipart upload's form: the file as binary beside the other fields. */
const uploadSchema = (u: NonNullable<RouteSpec['upload']>) =>
  u.fields.extend({ [u.file]: z.string().meta({ format: 'binary', description: 'The file (CSV or .xlsx).' }) });

/** A missing body is parsed as `{}`; it is optional when the schema accepts that. */
function bodyRequired(schema: z.ZodType): boolean {
  try {
    return !schema.safeParse({}).success;
  } catch {
    return true;
  }
}

/**
 * A schema as plain JSON Schema: its natural side first (input for requests, output for responses), then the other
 * side (a response with a transform is documented by its input type), then an empty schema with a note.
 */
function plainSchema(schema: z.ZodType, io: Io, components: Record<string, oas31.SchemaObject>): { schema: JsonSchema; note?: string } {
  let firstError: unknown;
  for (const side of io === 'input' ? (['input', 'output'] as const) : (['output', 'input'] as const)) {
    try {
      const rendered = createSchema(schema, { io: side, opts: RENDER_OPTIONS, openapiVersion: OPENAPI_VERSION });
      Object.assign(components, rendered.components);
      return { schema: rendered.schema };
    } catch (err) {
      firstError ??= err;
    }
  }
  const note = `Schema not representable in OpenAPI: ${errorMessage(firstError)}`;
  return { schema: { description: note }, note };
}

function plainParameters(schema: z.ZodType, where: 'path' | 'query', components: Record<string, oas31.SchemaObject>, notes: string[]): oas31.ParameterObject[] {
  const { schema: json, note } = plainSchema(schema, 'input', components);
  if (note) notes.push(`${where} parameters: ${note}`);
  // An object gives one parameter per property; alternatives (a union of objects) give every property, optional.
  const alternatives = 'properties' in json && json.properties ? [json] : 'anyOf' in json ? (json.anyOf ?? []) : 'oneOf' in json ? (json.oneOf ?? []) : [];
  const objects = alternatives.filter((a): a is oas31.SchemaObject => 'properties' in a && Boolean(a.properties));
  if (!note && objects.length !== 1) notes.push(`${where} parameters: not a single object schema; every property of every alternative is listed.`);
  const params = new Map<string, oas31.ParameterObject>();
  for (const object of objects) {
    const required = new Set(objects.length === 1 ? (object.required ?? []) : []);
    for (const [name, prop] of Object.entries(object.properties ?? {})) {
      if (params.has(name)) continue;
      params.set(name, {
        name,
        in: where,
        required: where === 'path' || required.has(name),
        schema: prop,
        ...('description' in prop && prop.description ? { description: prop.description } : {}),
      });
    }
  }
  return [...params.values()];
}

/** The fallback for a route zod-openapi rejects: every schema rendered on its own, with notes on what failed. */
function plainOperation(spec: RouteSpec, access: RouteAccess, components: Record<string, oas31.SchemaObject>): ZodOpenApiOperationObject {
  const notes: string[] = [];
  const parameters = [
    ...(spec.params ? plainParameters(spec.params, 'path', components, notes) : []),
    ...(spec.query ? plainParameters(spec.query, 'query', components, notes) : []),
  ];
  let body: JsonSchema | undefined;
  if (spec.body) {
    const rendered = plainSchema(spec.body, 'input', components);
    if (rendered.note) notes.push(`request body: ${rendered.note}`);
    body = rendered.schema;
  }
  if (spec.upload) {
    const rendered = plainSchema(uploadSchema(spec.upload), 'input', components);
    if (rendered.note) notes.push(`upload form: ${rendered.note}`);
    body = rendered.schema;
  }
  let response: JsonSchema | undefined;
  if (spec.response) {
    const rendered = plainSchema(spec.response, 'output', components);
    if (rendered.note) notes.push(`response: ${rendered.note}`);
    response = rendered.schema;
  }
  return {
    ...baseOperation(spec, access),
    ...(parameters.length ? { parameters } : {}),
    ...(body && spec.body ? { requestBody: { required: bodyRequired(spec.body), content: { 'application/json': { schema: body } } } } : {}),
    ...(body && spec.upload ? { requestBody: { required: true, content: { 'multipart/form-data': { schema: body } } } } : {}),
    responses: { ...successResponse(spec, response), ...errorResponses(spec, access) },
    ...(notes.length ? { 'x-schema-notes': notes } : {}),
  };
}

/** A placeholder when even the plain rendering fails, so one route never takes the document down. */
function stubOperation(spec: RouteSpec, access: RouteAccess, err: unknown): ZodOpenApiOperationObject {
  return {
    ...baseOperation(spec, access),
    responses: { ...successResponse(spec), ...errorResponses(spec, access) },
    'x-schema-notes': [`Could not render this operation: ${errorMessage(err)}`],
  };
}

interface Entry {
  path: string;
  method: RouteSpec['method'];
  operation: ZodOpenApiOperationObject;
}

function documentFor(entries: Entry[], opts: OpenApiOptions, extraSchemas: Record<string, oas31.SchemaObject>): ZodOpenApiObject {
  const paths: ZodOpenApiPathsObject = {};
  for (const { path, method, operation } of entries) (paths[path] ??= {})[method] = operation;
  const tags = [...new Set(entries.flatMap((e) => e.operation.tags ?? []))].sort().map((name) => ({ name }));
  return {
    openapi: OPENAPI_VERSION,
    info: {
      title: opts.title ?? 'Switchboard API',
      version: opts.version,
      description:
        opts.description ??
        'Multi-channel messaging API, wire-compatible with SeaX (`/api/v1/workspace/…`, `/notify-api/…`) and Zagely. ' +
          'SeaX routes answer errors in the SeaX shape; every other route uses the Zagely envelope `{error: {code, message, details}}`.',
    },
    ...(opts.serverUrl ? { servers: [{ url: opts.serverUrl }] } : {}),
    tags,
    paths,
    components: {
      schemas: { ...extraSchemas, ZagelyError: zagelyErrorSchema, SeaXError: seaxErrorSchema },
      securitySchemes: SECURITY_SCHEMES,
    },
  };
}

const render = (entries: Entry[], opts: OpenApiOptions, extra: Record<string, oas31.SchemaObject>) =>
  createDocument(documentFor(entries, opts, extra), RENDER_OPTIONS);

/**
 * The OpenAPI 3.1 document for route specs, built with zod-openapi from the same zod schemas that validate
 * requests. Robust by construction: a route whose schemas zod-openapi rejects is rendered schema by schema (input
 * types where the output is not representable), and if the assembled document still fails, every route is
 * rendered alone and the results merged, so one odd schema degrades one operation rather than the document.
 */
export function buildOpenApiDocument(groups: RouteGroup[], opts: OpenApiOptions): oas31.OpenAPIObject {
  const routes: { spec: RouteSpec; access: RouteAccess; path: string }[] = [];
  const seen = new Set<string>();
  for (const { access, specs } of groups) {
    for (const spec of specs) {
      const path = toOpenApiPath(spec.path);
      const key = `${spec.method} ${path}`;
      if (seen.has(key)) continue; // Koa runs the first registration; so does the document
      seen.add(key);
      routes.push({ spec, access, path });
    }
  }

  // The usual case: every schema renders, in one pass.
  try {
    return addMissingPathParameters(
      render(routes.map(({ spec, access, path }) => ({ path, method: spec.method, operation: zodOperation(spec, access) })), opts, {}),
    );
  } catch {
    // Find the routes that fail and degrade only those.
  }

  const extra: Record<string, oas31.SchemaObject> = {};
  const entries: Entry[] = routes.map(({ spec, access, path }) => {
    const method = spec.method;
    try {
      const operation = zodOperation(spec, access);
      render([{ path, method, operation }], opts, {});
      return { path, method, operation };
    } catch {
      try {
        const own: Record<string, oas31.SchemaObject> = {};
        const operation = plainOperation(spec, access, own);
        render([{ path, method, operation }], opts, own);
        Object.assign(extra, own);
        return { path, method, operation };
      } catch (err) {
        return { path, method, operation: stubOperation(spec, access, err) };
      }
    }
  });
  let doc: oas31.OpenAPIObject;
  try {
    doc = render(entries, opts, extra);
  } catch {
    doc = mergeSeparately(entries, opts, extra);
  }
  return addMissingPathParameters(doc);
}

function mergeSeparately(entries: Entry[], opts: OpenApiOptions, extra: Record<string, oas31.SchemaObject>): oas31.OpenAPIObject {
  const base = render([], opts, extra);
  const paths: oas31.PathsObject = {};
  const schemas: Record<string, oas31.SchemaObject | oas31.ReferenceObject> = { ...base.components?.schemas };
  for (const entry of entries) {
    const one = render([entry], opts, extra);
    for (const [path, item] of Object.entries(one.paths ?? {})) paths[path] = { ...paths[path], ...item };
    Object.assign(schemas, one.components?.schemas);
  }
  return { ...base, paths, components: { ...base.components, schemas } };
}

/** OpenAPI requires every `{param}` of a path to be declared; routes without a params schema get plain strings. */
function addMissingPathParameters(doc: oas31.OpenAPIObject): oas31.OpenAPIObject {
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    const names = pathParamNames(path);
    if (!names.length) continue;
    for (const method of ['get', 'put', 'post', 'delete', 'patch'] as const) {
      const op = item[method];
      if (!op) continue;
      const declared = new Set(
        (op.parameters ?? []).filter((p): p is oas31.ParameterObject => 'in' in p && p.in === 'path').map((p) => p.name),
      );
      const missing = names.filter((n) => !declared.has(n));
      if (missing.length) {
        op.parameters = [...(op.parameters ?? []), ...missing.map((name) => ({ name, in: 'path' as const, required: true, schema: { type: 'string' as const } }))];
      }
    }
  }
  return doc;
}

function errorMessage(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.split('\n')[0].slice(0, 300);
}
