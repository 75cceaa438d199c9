import { isGrpcServiceError, type Connection } from '@temporalio/client';
import { encodeSearchAttributeIndexedValueType, type SearchAttributeKey, type SearchAttributeType } from '@temporalio/common/lib/search-attributes';
import type { Logger } from '../lib/logger';

/** gRPC status codes (fixed by the gRPC specification). */
const status = { ALREADY_EXISTS: 6, PERMISSION_DENIED: 7, UNIMPLEMENTED: 12 } as const;

/** How long to wait for the server to list attributes it has just accepted (the frontend caches them). */
const VISIBLE_WITHIN_MS = 30_000;

/**
 * Make sure the namespace has these custom search attributes, through the operator service, so that any Temporal
 * server (the dev server, a cluster, docker compose) needs no setup: listed first, only the missing ones are added,
 * and a concurrent worker adding the same ones (ALREADY_EXISTS) is fine. An attribute that exists with another type
 * is an error naming it. Where the operator service is not open to us (Temporal Cloud registers them with tcld or
 * its UI), a warning says what to create and start-up goes on. Resolves to the names that were added.
 */
export async function registerSearchAttributes(
  connection: Connection,
  namespace: string,
  keys: SearchAttributeKey<SearchAttributeType>[],
  logger?: Pick<Logger, 'info' | 'warn'>,
): Promise<string[]> {
  type IndexedValueType = NonNullable<ReturnType<typeof encodeSearchAttributeIndexedValueType>>;
  const wanted = new Map(keys.map((k) => [k.name, encodeSearchAttributeIndexedValueType(k.type) as IndexedValueType]));
  const missing = async (): Promise<string[]> => {
    const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
    const have = customAttributes ?? {};
    for (const key of keys) {
      const type = have[key.name];
      if (type !== undefined && type !== null && type !== wanted.get(key.name)) {
        throw new Error(`search attribute ${key.name} exists in namespace ${namespace} with another type; Switchboard needs it as ${key.type}`);
      }
    }
    return keys.filter((k) => have[k.name] === undefined || have[k.name] === null).map((k) => k.name);
  };

  let absent: string[];
  try {
    absent = await missing();
  } catch (err) {
    if (!refused(err)) throw err;
    logger?.warn({ err }, `cannot list the search attributes of namespace ${namespace}; make sure it has ${describe(keys)}`);
    return [];
  }
  if (!absent.length) return [];

  try {
    await connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(absent.map((name) => [name, wanted.get(name) as IndexedValueType])),
    });
  } catch (err) {
    if (isGrpcServiceError(err) && err.code === status.ALREADY_EXISTS) {
      // Another worker added them first.
    } else if (refused(err)) {
      logger?.warn({ err }, `cannot add search attributes to namespace ${namespace}; create ${describe(keys.filter((k) => absent.includes(k.name)))}`);
      return [];
    } else {
      throw err;
    }
  }
  const deadline = Date.now() + VISIBLE_WITHIN_MS;
  while ((await missing()).length) {
    if (Date.now() > deadline) throw new Error(`search attributes ${absent.join(', ')} were added to namespace ${namespace} but are not listed after ${VISIBLE_WITHIN_MS / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  logger?.info({ namespace, added: absent }, `registered search attributes ${absent.join(', ')}`);
  return absent;
}

/** The operator service is closed to this connection (Temporal Cloud, a restricted role). */
const refused = (err: unknown) => isGrpcServiceError(err) && (err.code === status.PERMISSION_DENIED || err.code === status.UNIMPLEMENTED);

const describe = (keys: SearchAttributeKey<SearchAttributeType>[]) => keys.map((k) => `${k.name} (${k.type})`).join(', ');
