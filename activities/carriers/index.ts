import { z } from 'zod';
import { SimulatorCarrier, type SimulatorConfig } from './simulator';
import { SmtpCarrier, type SmtpConfig } from './smtp';
import { TwilioCarrier, type TwilioConfig } from './twilio';
import { WhatsAppCloudCarrier, type WhatsAppCloudConfig } from './whatsapp-cloud';
import type { Carrier, ProviderName } from './types';

export * from './types';
export { toActivityFailure, CARRIER_FAILURE_TYPES, type CarrierFailureDetails } from './failure';
export { SimulatorCarrier, SIMULATOR_NUMBERS, type SimulatorConfig } from './simulator';
export { SmtpCarrier, type SmtpConfig } from './smtp';
export { TwilioCarrier, type TwilioConfig } from './twilio';
export { WhatsAppCloudCarrier, type WhatsAppCloudConfig } from './whatsapp-cloud';

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
export function createCarrier<P extends ProviderName>(provider: P, config: CarrierConfigs[P]): Carrier {
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

/** The shape of the credentials stored (encrypted) for each provider; validate before encrypting and after decrypting. */
export const carrierCredentialsSchemas = {
  SIMULATOR: z.object({}).strict(),
  TWILIO: z.object({ accountSid: z.string().regex(/^AC[0-9a-fA-F]{32}$/), authToken: z.string().min(16) }).strict(),
  WHATSAPP_CLOUD: z.object({ accessToken: z.string().min(1), appSecret: z.string().min(1), verifyToken: z.string().min(1).optional() }).strict(),
  SMTP: z
    .object({
      host: z.string().min(1),
      port: z.number().int().min(1).max(65535),
      secure: z.boolean().optional(),
      requireTLS: z.boolean().optional(),
      auth: z.object({ user: z.string().min(1), pass: z.string() }).optional(),
    })
    .strict(),
} satisfies Record<ProviderName, z.ZodType>;

export type CarrierCredentials = { [P in ProviderName]: z.infer<(typeof carrierCredentialsSchemas)[P]> };
