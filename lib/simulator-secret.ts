import { createHash } from 'node:crypto';

/**
 * The secret that signs the simulator's receipts on their HTTP hop from the worker to the API's
 * `/callbacks/simulator` route (x-simulator-signature, carriers/simulator/callbacks.ts). Both processes read
 * SIMULATOR_CALLBACK_SECRET; when it is unset (development, tests) both derive the same value from the database URL
 * they share, so a default setup works without configuration and two deployments never share a default.
 */
export function simulatorCallbackSecret(config: { SIMULATOR_CALLBACK_SECRET?: string; DATABASE_URL: string }): string {
  return config.SIMULATOR_CALLBACK_SECRET ?? createHash('sha256').update(`switchboard-simulator-callback:${config.DATABASE_URL}`).digest('hex');
}
