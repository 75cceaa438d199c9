import type { Knex } from 'knex';
import { apiKeysRepo } from '../db/repositories/api-keys';
import { phonesRepo } from '../db/repositories/phones';
import type { Principal } from './access';
import { notFound, invalid, conflict, forbidden } from './errors';
import { keyService, type KeyPairInput } from './keys';
import type { ApiKeyRow } from '../db/rows';

/**
 * Key management by the workspace's own keys (the routes require `*`). Rules beyond the route guard:
 * a key never grants an ability it does not hold, a session-bound key only issues keys bound to the same session,
 * and a key cannot disable itself (it could not enable itself again); revoking itself is allowed (rotation).
 */
export function apiKeyService(db: Knex) {
  const repo = apiKeysRepo(db);
  const keys = keyService(db);
  const phones = phonesRepo(db);

  async function live(workspaceId: string, id: string): Promise<ApiKeyRow> {
    const row = await repo.get(workspaceId, id);
    if (!row) throw notFound('API key');
    return row;
  }

  return {
    list: (workspaceId: string): Promise<ApiKeyRow[]> => repo.list(workspaceId),

    get: live,

    async create(caller: Principal, input: KeyPairInput & { abilities: string[] }): Promise<{ row: ApiKeyRow; publicKey: string; secretKey: string }> {
      const abilities = input.abilities.includes('*') ? ['*'] : [...new Set(input.abilities)];
      if (!caller.abilities.includes('*')) {
        const beyond = abilities.filter((a) => !caller.abilities.includes(a));
        if (beyond.length) {
          throw forbidden('forbidden', 'An API key cannot grant abilities it does not have.', { abilities: beyond });
        }
      }
      const sessionId = input.session_id ?? caller.sessionId;
      if (caller.sessionId && sessionId !== caller.sessionId) {
        throw forbidden('forbidden', 'A key bound to a session can only issue keys bound to the same session.', {
          session_id: caller.sessionId,
        });
      }
      if (sessionId && !(await phones.get(caller.workspaceId, sessionId))) {
        throw invalid('session_id', 'The selected session_id is not a session of this workspace.');
      }
      return keys.createPair(caller.workspaceId, { ...input, abilities, session_id: sessionId ?? null });
    },

    async revoke(workspaceId: string, id: string): Promise<void> {
      if (!(await repo.revoke(workspaceId, id))) throw notFound('API key');
    },

    async setDisabled(caller: Principal, id: string, disabled: boolean): Promise<ApiKeyRow> {
      if (disabled && id === caller.keyId) {
        throw conflict('A key cannot disable itself: it could not enable itself again. Use another key with the * ability.');
      }
      if (!(await repo.setDisabled(caller.workspaceId, id, disabled))) throw notFound('API key');
      return live(caller.workspaceId, id);
    },
  };
}
