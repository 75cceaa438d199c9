import { z } from 'zod';
import type { CallbackAnswer, CallbackRequest } from '../../../services/inbound';
import type { RouteDeps, Ctx } from '../../context';
import { route } from '../../routing';

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

const rawBodyDoc = { description: 'Provider-signed callback; see docs/api-compatibility.md' };

export function carrierCallbackRoutes(deps: RouteDeps) {
  const service = deps.services.inbound;
  const req = (ctx: Ctx) => callbackRequest(ctx, deps.config.PUBLIC_URL);
  return [
    route({
      method: 'post', path: '/callbacks/twilio/status', tag: 'Carrier callbacks', summary: 'Twilio message StatusCallback (X-Twilio-Signature)', ...rawBodyDoc, errors: [403],
      handler: async (ctx) => answer(ctx, await service.twilioStatus(req(ctx))),
    }),
    route({
      method: 'post', path: '/callbacks/twilio/inbound', tag: 'Carrier callbacks', summary: 'Twilio incoming message webhook (X-Twilio-Signature)', ...rawBodyDoc, errors: [403],
      handler: async (ctx) => answer(ctx, await service.twilioInbound(req(ctx))),
    }),
    ...(['answer', 'status', 'amd', 'gather', 'dial'] as const).map((kind) =>
      route({
        method: 'post', path: `/callbacks/twilio/voice/${kind}`, tag: 'Carrier callbacks', summary: `Twilio voice ${kind} callback of a dialer call (X-Twilio-Signature; answers TwiML)`, ...rawBodyDoc, errors: [400, 403],
        handler: async (ctx) => answer(ctx, await service.twilioVoice(kind, req(ctx))),
      }),
    ),
    route({
      method: 'get', path: '/callbacks/whatsapp', tag: 'Carrier callbacks', summary: 'WhatsApp Cloud webhook verification (hub.challenge)', errors: [403],
      handler: async (ctx) => answer(ctx, await service.whatsappHandshake(req(ctx))),
    }),
    route({
      method: 'post', path: '/callbacks/whatsapp', tag: 'Carrier callbacks', summary: 'WhatsApp Cloud webhook: statuses and messages (X-Hub-Signature-256)', ...rawBodyDoc, errors: [403],
      handler: async (ctx) => answer(ctx, await service.whatsapp(req(ctx))),
    }),
    route({
      method: 'post', path: '/callbacks/simulator', tag: 'Carrier callbacks', summary: 'Simulator receipts and events (x-simulator-signature)', ...rawBodyDoc, errors: [403],
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

/** `POST /simulator/inbound`: deliver a message as if a handset had sent it to a SIMULATOR phone. */
export function simulatorRoutes(deps: RouteDeps) {
  const service = deps.services.inbound;
  return [
    route({
      method: 'post',
      path: '/simulator/inbound',
      tag: 'Simulator',
      summary: 'Deliver an inbound SMS or WhatsApp message to a simulator phone',
      description: 'Goes through the same ingest path as real carrier callbacks: contact auto-creation, conversations, opt-out keywords, events.',
      body: simulatorInboundBody,
      errors: [404, 422],
      handler: async (_ctx, { body }) => {
        const o = await service.simulateInbound(body);
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
