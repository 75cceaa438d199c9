import type { Logger } from '../lib/logger';
import { decryptPhoneCredentials } from './credentials';
import type { EmailCarrier } from './email';
import type { Reconcilable, SmsCarrier, WhatsAppCarrier } from './message';
import { encodeSimulatorEvents } from './simulator/callbacks';
import { SimulatorCarrier, type SimulatorConfig } from './simulator/adapter';
import { SmtpCarrier, type SmtpConfig } from './smtp/adapter';
import { TwilioCarrier, type TwilioConfig } from './twilio/adapter';
import { CarrierError, type CarrierAdapter, type NormalizedEvent, type ProviderName } from './types';
import type { VoiceCarrier } from './voice';
import { WhatsAppCloudCarrier, type WhatsAppCloudConfig } from './whatsapp-cloud/adapter';

/** An adapter with whichever capabilities its provider has; {@link withCapability} asks for one. */
export type AnyCarrier = CarrierAdapter & Partial<SmsCarrier & WhatsAppCarrier & VoiceCarrier & EmailCarrier & Reconcilable>;

/** What each capability is, by the channel it serves. */
export interface Capabilities {
  sms: SmsCarrier;
  whatsapp: WhatsAppCarrier;
  voice: VoiceCarrier;
  email: EmailCarrier;
}

const METHOD: { [C in keyof Capabilities]: string } = { sms: 'sendSms', whatsapp: 'sendWhatsApp', voice: 'placeCall', email: 'sendEmail' };

/**
 * The adapter as the capability `channel` needs, or a permanent CarrierError (`unsupported`) when its
 * provider has none: the one place a sender is matched with a channel, instead of a stub in every adapter.
 */
export function withCapability<C extends keyof Capabilities>(carrier: AnyCarrier, channel: C): Capabilities[C] & Partial<Reconcilable> {
  if (typeof (carrier as unknown as Record<string, unknown>)[METHOD[channel]] !== 'function') {
    throw new CarrierError({ kind: 'permanent', provider: carrier.provider, code: 'unsupported', message: `${carrier.provider} senders cannot send ${channel}` });
  }
  return carrier as unknown as Capabilities[C] & Partial<Reconcilable>;
}

export interface CarrierConfigs {
  SIMULATOR: SimulatorConfig;
  TWILIO: TwilioConfig;
  WHATSAPP_CLOUD: WhatsAppCloudConfig;
  SMTP: SmtpConfig;
}

/**
 * Builds the adapter for a sender's provider. `config` is the decrypted credentials merged with the worker's
 * settings (base URLs, timeouts): base URLs come from the environment, never from stored credentials, so a
 * workspace cannot point the worker's authenticated requests at an arbitrary host.
 */
export function createCarrier<P extends ProviderName>(provider: P, config: CarrierConfigs[P]): AnyCarrier {
  switch (provider) {
    case 'SIMULATOR':
      return new SimulatorCarrier(config as SimulatorConfig);
    case 'TWILIO':
      return new TwilioCarrier(config as TwilioConfig);
    case 'WHATSAPP_CLOUD':
      return new WhatsAppCloudCarrier(config as WhatsAppCloudConfig);
    case 'SMTP':
      return new SmtpCarrier(config as SmtpConfig);
    default:
      throw new Error(`unknown carrier provider ${String(provider)}`);
  }
}

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
  simulator?: Omit<SimulatorConfig, 'emit'>;
  logger: Logger;
}

/** Adapters by sender, built from the worker's config plus each sender's decrypted credentials. */
export interface CarrierRegistry {
  forSender(sender: SenderRow): AnyCarrier;
  /** Where the provider should POST status reports for messages sent through it (undefined: no public URL). */
  statusCallbackUrl(provider: ProviderName): string | undefined;
  /** The process-wide simulator (one per worker: its idempotency memory and pending receipts live here). */
  readonly simulator: SimulatorCarrier;
  close(): Promise<void>;
}

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
    emit,
    onEmitError: (err, event) => opts.logger.warn({ err, event: event.type }, 'simulator receipt not delivered'),
  });
  const cache = new Map<string, { ciphertext: string; carrier: AnyCarrier }>();

  const credentialsOf = <P extends ProviderName>(provider: P, sender: SenderRow) => {
    if (!sender.credentials_encrypted) {
      throw new CarrierError({ kind: 'permanent', provider, code: 'credentials_missing', message: `sender ${sender.id} has no ${provider} credentials` });
    }
    if (!opts.encryptionKeys?.length) {
      throw new CarrierError({ kind: 'permanent', provider, code: 'credentials_key_missing', message: 'CREDENTIALS_ENCRYPTION_KEY is not configured' });
    }
    try {
      return decryptPhoneCredentials(provider, { id: sender.id, credentials_encrypted: sender.credentials_encrypted }, opts.encryptionKeys);
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
      let carrier: AnyCarrier;
      if (provider === 'TWILIO') {
        carrier = createCarrier('TWILIO', { ...credentialsOf('TWILIO', sender), baseUrl: opts.twilioBaseUrl, timeoutMs: opts.timeoutMs });
      } else if (provider === 'WHATSAPP_CLOUD') {
        carrier = createCarrier('WHATSAPP_CLOUD', { ...credentialsOf('WHATSAPP_CLOUD', sender), baseUrl: opts.whatsappBaseUrl, timeoutMs: opts.timeoutMs });
      } else {
        carrier = createCarrier('SMTP', credentialsOf('SMTP', sender));
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
