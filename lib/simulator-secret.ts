import { sharedSecret } from './derived-secret';

/**
 * The secret that signs the simulator's receipts on their HTTP hop from the worker to the API's
 * `/callbacks/simulator` route (x-simulator-signature, carriers/simulator/callbacks.ts). Both processes read
 * SIMULATOR_CALLBACK_SECRET (the stack generates one per data directory); unset, see sharedSecret.
 */
export function simulatorCallbackSecret(config: { SIMULATOR_CALLBACK_SECRET?: string; CREDENTIALS_ENCRYPTION_KEY?: string }): string {
  return sharedSecret('simulator-callback', config.SIMULATOR_CALLBACK_SECRET, config.CREDENTIALS_ENCRYPTION_KEY);
}
