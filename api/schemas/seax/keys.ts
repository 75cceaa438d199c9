import { z } from 'zod';
import { timestamp } from './common';

export const keyResetBody = z.object({
  name: z
    .string({ error: 'must be a string' })
    .trim()
    .min(1, { error: 'must not be empty' })
    .max(255, { error: 'must be at most 255 characters' })
    .optional()
    .meta({ description: 'A label for the key. Default: "API Key".', example: 'My Integration API Key' }),
});

export const keyResetResponse = z.object({
  api_key: z.string().meta({ description: 'The new key: shown once, only its hash is stored. Send it as X-API-Key.' }),
  id: z.string(),
  name: z.string(),
  workspace_id: z.string(),
  created_time: timestamp,
});
