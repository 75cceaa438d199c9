import { timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { CallbackAnswer, CallbackRequest } from '../../../services/inbound';
import { simulatorCallbackSecret } from '../../../lib/simulator-secret';
import type { RouteDeps, Ctx } from '../../context';
import { ApiError } from '../../errors';
import { authenticate, principalOf } from '../../middleware/auth';
import { route } from '../../routing';
import { simulatorInboundResponse, textBody } from '../../schemas/responses';

/*
 * Carrier callbacks: unauthenticated by API key, authenticated by the provider's signature over the public URL
 * the provider called (PUBLIC_URL + path + query) and the exact body bytes. Thin: the service does the rest.
 */

function callbackRequest(ctx: Ctx, publicUrl: string | undefined): CallbackRequest {
  const base = (publicUrl ?? ctx.origin).replace(/\/+$/, '');
  return {
    url: `${base}${ctx.originalUrl}`,
    method: ctx.method,
    headers: ctx.headers,
    rawBody: ctx.request.rawBody ?? '',
    params: Object.fromEntries(Object.entries(ctx.query).map(([k, v]) => [k, Array.isArray(v) ? v[0] : v])),
    receivedAt: new Date(),
  };
}

function answer(ctx: Ctx, a: CallbackAnswer | { status: number; body: string }): void {
  ctx.status = a.status;
  ctx.type = 'contentType' in a ? a.contentType : 'text/plain';
  ctx.body = a.body;
}

/** Provider-signed callbacks answer TwiML or plain text; 400 when the provider's request lacks what it must carry. */
const rawBodyDoc = { description: 'Provider-signed callback; see docs/api-compatibility.md', response: textBody, errors: [400, 403] };
const twimlDoc = { ...rawBodyDoc, responseType: ['text/xml', 'text/plain'] };
const textDoc = { ...rawBodyDoc, responseType: 'text/plain' };

export function carrierCallbackRoutes(deps: RouteDeps) {
  const service = deps.services.inbound;
  const req = (ctx: Ctx) => callbackRequest(ctx, deps.config.PUBLIC_URL);
  return [
    route({
      method: 'post', path: '/callbacks/twilio/status', tag: 'Carrier callbacks', summary: 'Twilio message StatusCallback (X-Twilio-Signature)', ...twimlDoc,
      handler: async (ctx) => answer(ctx, await service.twilioStatus(req(ctx))),
    }),
    route({
      method: 'post', path: '/callbacks/twilio/inbound', tag: 'Carrier callbacks', summary: 'Twilio incoming message webhook (X-Twilio-Signature)', ...twimlDoc,
      handler: async (ctx) => answer(ctx, await service.twilioInbound(req(ctx))),
    }),
    ...(['answer', 'status', 'amd', 'gather', 'dial'] as const).map((kind) =>
      route({
        method: 'post', path: `/callbacks/twilio/voice/${kind}`, tag: 'Carrier callbacks', summary: `Twilio voice ${kind} callback of a dialer call (X-Twilio-Signature; answers TwiML)`, ...rawBodyDoc, errors: [400, 403],
        handler: async (ctx) => answer(ctx, await service.twilioVoice(kind, req(ctx))),
      }),
    ),
    route({
      method: 'get', path: '/callbacks/whatsapp', tag: 'Carrier callbacks', summary: 'WhatsApp Cloud webhook verification (hub.challenge)', response: textBody, responseType: 'text/plain', errors: [400, 403],
      handler: async (ctx) => answer(ctx, await service.whatsappHandshake(req(ctx))),
    }),
    route({
      method: 'post', path: '/callbacks/whatsapp', tag: 'Carrier callbacks', summary: 'WhatsApp Cloud webhook: statuses and messages (X-Hub-Signature-256)', ...textDoc,
      handler: async (ctx) => answer(ctx, await service.whatsapp(req(ctx))),
    }),
    route({
      method: 'post', path: '/callbacks/simulator', tag: 'Carrier callbacks', summary: 'Simulator receipts and events (x-simulator-signature)', ...textDoc,
      handler: async (ctx) => answer(ctx, await service.simulator(req(ctx))),
    }),
  ];
}

const phone = z.string().min(3).max(32);
const simulatorInboundBody = z
  .object({
    from: phone.meta({ description: "The handset's number (E.164)" }),
    to: phone.meta({ description: 'Our simulator phone that receives the message' }),
    body: z.string().max(1600).optional(),
    text: z.string().max(4096).optional(),
    channel: z.enum(['sms', 'whatsapp']).optional(),
    media_urls: z.array(z.string().url()).max(10).optional(),
    workspace_id: z.uuid().optional().meta({ description: 'Needed only when several workspaces have this simulator number' }),
  })
  .refine((b) => b.body !== undefined || b.text !== undefined || (b.media_urls?.length ?? 0) > 0, { message: 'body (or text for WhatsApp) is required', path: ['body'] });

/**
 * `POST /simulator/inbound`: deliver a message as if a handset had sent it to a SIMULATOR phone. Mounted only
 * while SIMULATOR_ENABLED (simulator phones can exist only then). The caller is a key of the phone's workspace
 * (either dialect; the phone is looked up in that workspace only) or holds the simulator secret (X-Simulator-Secret,
 * SIMULATOR_CALLBACK_SECRET: any workspace, workspace_id to choose).
 */
export function simulatorRoutes(deps: RouteDeps) {
  const service = deps.services.inbound;
  const secret = Buffer.from(simulatorCallbackSecret(deps.config));
  const keyAuth = authenticate(deps.services.access);
  /** The workspace the caller may deliver into, or undefined for the simulator secret's holder (any). */
  const callerWorkspace = async (ctx: Ctx): Promise<string | undefined> => {
    const given = ctx.get('x-simulator-secret');
    if (given) {
      const presented = Buffer.from(given);
      if (presented.length === secret.length && timingSafeEqual(presented, secret)) return undefined;
      throw new ApiError(401, 'invalid_credentials', 'Invalid simulator secret.');
    }
    await keyAuth(ctx, async () => undefined);
    return principalOf(ctx).workspaceId;
  };
  return [
    route({
      method: 'post',
      path: '/simulator/inbound',
      tag: 'Simulator',
      summary: 'Deliver an inbound SMS or WhatsApp message to a simulator phone',
      description:
        'Goes through the same ingest path as real carrier callbacks: contact auto-creation, conversations, opt-out keywords, events. ' +
        "Needs a key of the phone's workspace (X-API-Key, or the X-Public-Key/X-Secret-Key pair) or the server's simulator secret (X-Simulator-Secret).",
      body: simulatorInboundBody,
      response: simulatorInboundResponse,
      errors: [401, 403, 404, 422],
      handler: async (ctx, { body }) => {
        const workspaceId = await callerWorkspace(ctx);
        if (workspaceId && body.workspace_id && body.workspace_id !== workspaceId) {
          throw new ApiError(403, 'forbidden', 'The API key does not belong to this workspace.', { workspace_id: body.workspace_id });
        }
        const o = await service.simulateInbound({ ...body, ...(workspaceId ? { workspace_id: workspaceId } : {}) });
        return {
          data: {
            message_id: o.messageId,
            contact_id: o.contactId,
            conversation_id: o.conversationId,
            contact_created: o.contactCreated,
            conversation_created: o.conversationCreated,
            duplicate: o.duplicate,
            compliance: o.compliance,
          },
        };
      },
    }),
  ];
}
