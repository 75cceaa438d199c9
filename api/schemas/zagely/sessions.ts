import { z } from 'zod';
import { uuid } from '../../routing';

/** Zagely sessions (the workspace's sender phones). */

export const sessionView = z.object({
  id: z.string(),
  name: z.string(),
  phone_number: z.string(),
  status: z.string().meta({ description: 'connecting, connected, disconnected or banned.' }),
  daily_limit: z.number().int().nullable(),
  warmup_enabled: z.boolean(),
  created_at: z.string(),
});

export const sessionParams = z.object({ session: uuid });
