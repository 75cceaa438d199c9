import type { Logger } from '../../lib/logger';
import { createCarrier, carrierCredentialsSchemas, type CarrierConfigs } from './index';
import { decryptCredentials, encryptCredentials } from './secrets';
import { encodeSimulatorEvents, SimulatorCarrier, type SimulatorConfig } from './simulator';
import { CarrierError, type Carrier, type NormalizedEvent, type ProviderName } from './types';

/** The sender columns the registry needs (phones row). */
export interface SenderRow {
  id: string;
  source: string;
  credentials_encrypted: string | null;
}

export interface CarrierRegistryOptions {
  twilioBaseUrl?: string;
  whatsappBaseUrl?: string;
  timeoutMs?: number;
  /** Current key first, then previous ones during a rotation. */
  encryptionKeys?: string[];
  /** The API's public base URL; status callbacks and simulator receipts are addressed there. */
  publicUrl?: string;
  simulatorSecret: string;
  simulator?: Omit<SimulatorConfig, 'emit' | 'signingSecret'>;
  logger: Logger;
}

/** Adapters by sender, built from the worker's config plus each sender's decrypted credentials. */
export interface CarrierRegistry {
  forSender(sender: SenderRow): Carrier;
  /** Where the provider should POST status reports for messages sent through it (undefined: no public URL). */
  statusCallbackUrl(provider: ProviderName): string | undefined;
  /** The process-wide simulator (one per worker: its idempotency memory and pending receipts live here). */
  readonly simulator: SimulatorCarrier;
  close(): Promise<void>;
}

/** Stored credentials are bound to their phone row (AES-GCM associated data = phone id); writers use this. */
export const encryptPhoneCredentials = (phoneId: string, credentials: unknown, key: string): string => encryptCredentials(credentials, key, phoneId);

const PROVIDERS: ProviderName[] = ['SIMULATOR', 'TWILIO', 'WHATSAPP_CLOUD', 'SMTP'];

export function createCarrierRegistry(opts: CarrierRegistryOptions): CarrierRegistry {
  const publicUrl = opts.publicUrl?.replace(/\/+$/, '');
  // Receipts cross to the API over HTTP, signed, through the same callback path real providers use.
  const emit = async (event: NormalizedEvent): Promise<void> => {
    if (!publicUrl) return;
    const { body, headers } = encodeSimulatorEvents([event], opts.simulatorSecret);
    const res = await fetch(`${publicUrl}/callbacks/simulator`, { method: 'POST', headers, body, signal: AbortSignal.timeout(10_000) });
    if (!res.ok) throw new Error(`simulator callback answered ${res.status}`);
  };
  const simulator = new SimulatorCarrier({
    ...opts.simulator,
    signingSecret: opts.simulatorSecret,
    emit,
    onEmitError: (err, event) => opts.logger.warn({ err, event: event.type }, 'simulator receipt not delivered'),
  });
  const cache = new Map<string, { ciphertext: string; carrier: Carrier }>();

  const credentialsOf = <P extends ProviderName>(provider: P, sender: SenderRow) => {
    if (!sender.credentials_encrypted) {
      throw new CarrierError({ kind: 'permanent', provider, code: 'credentials_missing', message: `sender ${sender.id} has no ${provider} credentials` });
    }
    if (!opts.encryptionKeys?.length) {
      throw new CarrierError({ kind: 'permanent', provider, code: 'credentials_key_missing', message: 'CREDENTIALS_ENCRYPTION_KEY is not configured' });
    }
    try {
      return carrierCredentialsSchemas[provider].parse(decryptCredentials(sender.credentials_encrypted, opts.encryptionKeys, sender.id));
    } catch (err) {
      throw new CarrierError({ kind: 'permanent', provider, code: 'credentials_invalid', message: `credentials of sender ${sender.id} cannot be used`, cause: err });
    }
  };

  return {
    simulator,
    forSender(sender) {
      const provider = sender.source as ProviderName;
      if (!PROVIDERS.includes(provider)) {
        throw new CarrierError({ kind: 'permanent', provider: 'SIMULATOR', code: 'unknown_provider', message: `unknown provider ${sender.source}` });
      }
      if (provider === 'SIMULATOR') return simulator;
      const cached = cache.get(sender.id);
      if (cached && cached.ciphertext === sender.credentials_encrypted) return cached.carrier;
      let carrier: Carrier;
      if (provider === 'TWILIO') {
        carrier = createCarrier('TWILIO', { ...credentialsOf('TWILIO', sender), baseUrl: opts.twilioBaseUrl, timeoutMs: opts.timeoutMs } as CarrierConfigs['TWILIO']);
      } else if (provider === 'WHATSAPP_CLOUD') {
        carrier = createCarrier('WHATSAPP_CLOUD', { ...credentialsOf('WHATSAPP_CLOUD', sender), baseUrl: opts.whatsappBaseUrl, timeoutMs: opts.timeoutMs } as CarrierConfigs['WHATSAPP_CLOUD']);
      } else {
        carrier = createCarrier('SMTP', credentialsOf('SMTP', sender) as CarrierConfigs['SMTP']);
      }
      cache.set(sender.id, { ciphertext: sender.credentials_encrypted ?? '', carrier });
      return carrier;
    },
    statusCallbackUrl(provider) {
      if (!publicUrl) return undefined;
      if (provider === 'TWILIO') return `${publicUrl}/callbacks/twilio/status`;
      return undefined; // WhatsApp Cloud reports to the app's one webhook; the simulator uses `emit`.
    },
    async close() {
      await simulator.close();
      await Promise.all([...cache.values()].map((c) => c.carrier.close?.()));
      cache.clear();
    },
  };
}
