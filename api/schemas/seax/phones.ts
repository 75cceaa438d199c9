import { z } from 'zod';
import { bool, clearableText, country, idParam, listOf, pagingQuery, requiredText, seaxBool, timestamp, workspaceId } from './common';

export const PHONE_TYPES = ['LOCAL', 'TOLL_FREE', 'SHORT_CODE'] as const;
/** The carriers a phone can be bound to (carriers/). */
export const PHONE_SOURCES = ['SIMULATOR', 'TWILIO', 'WHATSAPP_CLOUD'] as const;

const upperEnum = <T extends readonly [string, ...string[]]>(values: T) =>
  z
    .string({ error: `must be one of: ${values.join(', ')}` })
    .trim()
    .transform((v) => v.toUpperCase())
    .pipe(z.enum(values, { error: `must be one of: ${values.join(', ')}` }));

export const phoneParams = z.object({ workspace_id: workspaceId, phone_id: idParam('Unique identifier of the phone') });

export const phoneListQuery = pagingQuery.extend({
  is_owned: seaxBool.optional().meta({ description: 'true: owned phones only. Default: false (no filter).' }),
  enabled: seaxBool
    .optional()
    .transform((v) => v ?? true)
    .meta({ description: 'Filter by whether the phone is enabled: true lists enabled phones, false disabled ones. Default: true' }),
  voice_available: seaxBool.optional().meta({ description: 'Filter by voice capability: true only voice-capable phones, false only the others. Default: no filter.' }),
});

const capabilityInput = z
  .object(
    {
      sms: bool.optional(),
      mms: bool.optional(),
      voice: bool.optional(),
      fax: bool.optional(),
      whatsapp: bool.optional(),
      whatsapp_business_platform: bool.optional(),
    },
    { error: 'must be an object of booleans (sms, mms, voice, fax, whatsapp, whatsapp_business_platform)' },
  )
  .meta({ description: 'Omitted capabilities keep their value (on create: sms, mms and voice on, the rest off).' });

const recipientInput = z
  .object(
    {
      type: requiredText(50)
        .transform((v) => v.toUpperCase())
        .pipe(z.string().regex(/^[A-Z][A-Z0-9_]*$/, { error: 'must be a recipient type such as PHONE_NUMBER or AI_AGENT' })),
      receiver: requiredText(255),
    },
    { error: 'must be an object {type, receiver} or null' },
  )
  .nullable()
  .meta({ example: { type: 'PHONE_NUMBER', receiver: '+15551230000' } });

const phoneFields = {
  name: requiredText(255).meta({ description: 'Display name; defaults to the phone number.', example: 'Marketing Line' }),
  country: country.meta({ description: 'ISO country; also how a number without a country code is read. Defaults to the number’s own country.' }),
  type: upperEnum(PHONE_TYPES).meta({ description: 'Default LOCAL.' }),
  source: upperEnum(PHONE_SOURCES).meta({ description: 'The carrier. Default SIMULATOR.' }),
  phone_capability: capabilityInput,
  is_default: bool.meta({ description: 'At most one phone per workspace is the default; setting it moves the flag.' }),
  enabled: bool,
  is_owned: bool,
  generic_reply_message: clearableText(1600),
  dnc_reply_message: clearableText(1600),
  enabled_generic_reply: bool,
  enabled_dnc_reply: bool,
  enabled_recipient: bool,
  call_recipient: recipientInput,
  sms_recipient: recipientInput,
  wabp_recipient: recipientInput,
  whatsapp_business_account_phone_id: clearableText(64),
  whatsapp_status: clearableText(32),
};

const credentialsInput = z
  .record(z.string(), z.unknown(), { error: 'must be an object of the provider’s credentials' })
  .meta({
    description:
      'Write-only (extension): the carrier credentials for `source`, validated against the provider’s fields and stored encrypted; never returned (see `has_credentials`). ' +
      'TWILIO: {accountSid, authToken}; WHATSAPP_CLOUD: {accessToken, appSecret, verifyToken?} (the phone-number-id is `whatsapp_business_account_phone_id`); SIMULATOR: none. ' +
      'Changing `source` to a carrier needs them in the same request.',
    example: { accountSid: 'AC00000000000000000000000000000000', authToken: '0123456789abcdef0123456789abcdef' },
  });

const phoneNumberInput = requiredText(64).meta({ description: 'Normalised to E.164; read in `country` (or the workspace’s country) without a + prefix.', example: '+15551234567' });

export const phoneCreateBody = z.object(phoneFields).partial().extend({ phone: phoneNumberInput, credentials: credentialsInput.optional() });
export const phoneUpdateBody = z.object({ ...phoneFields, phone: phoneNumberInput, credentials: credentialsInput.nullable().meta({ description: 'null removes them.' }) }).partial();

export type PhoneCreateBody = z.output<typeof phoneCreateBody>;
export type PhoneUpdateBody = z.output<typeof phoneUpdateBody>;
export type PhoneListQuery = z.output<typeof phoneListQuery>;

const recipientView = z.object({ id: z.string(), type: z.string(), receiver: z.string() }).nullable();

/** A phone as SeaX documents it. Fields we do not model answer null (verified_caller, byoc_trunk, whatsapp_device_id) or empty. */
export const phoneView = z.object({
  name: z.string(),
  enabled: z.boolean(),
  phone: z.string(),
  country: z.string(),
  whatsapp_device_id: z.string().nullable(),
  whatsapp_status: z.string().nullable(),
  generic_reply_message: z.string().nullable(),
  dnc_reply_message: z.string().nullable(),
  enabled_generic_reply: z.boolean(),
  enabled_dnc_reply: z.boolean(),
  type: z.enum(PHONE_TYPES),
  source: z.string(),
  phone_capability: z.object({
    sms: z.boolean(),
    mms: z.boolean(),
    voice: z.boolean(),
    fax: z.boolean(),
    whatsapp: z.boolean(),
    whatsapp_business_platform: z.boolean(),
  }),
  is_default: z.boolean(),
  enabled_recipient: z.boolean(),
  whatsapp_business_account_phone_id: z.string().nullable(),
  dialpad_available: z.boolean(),
  created_time: timestamp,
  updated_time: timestamp,
  id: z.string(),
  call_recipient: recipientView,
  sms_recipient: recipientView,
  wabp_recipient: recipientView,
  verified_caller: z.null().meta({ description: 'Not modelled: always null.' }),
  byoc_trunk: z.null().meta({ description: 'Not modelled: always null.' }),
  users: z.array(z.record(z.string(), z.unknown())).meta({ description: 'Users assigned to the phone: not modelled, always empty.' }),
  keywords: z.array(z.record(z.string(), z.unknown())).meta({ description: 'Keyword auto-replies of the phone (empty until keywords are served).' }),
  unread_count: z.number().int().meta({ description: 'Unread inbound conversations: read state is not tracked yet, always 0.' }),
  has_credentials: z.boolean().meta({ description: 'Extension: whether carrier credentials are stored (they are never returned).' }),
});
export type SeaxPhone = z.infer<typeof phoneView>;

export const phoneList = listOf(phoneView);
