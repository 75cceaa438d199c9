import { z } from 'zod';
import type { RouteDeps } from '../../context';
import { principalOf, workspaceFromPath } from '../../middleware/auth';
import { route } from '../../routing';
import { seaxSendMessageBody, seaxSendWabpTemplateBody, seaxSendWhatsAppBody } from '../../schemas/messages';
import { workspaceId } from '../../schemas/seax/common';
import { seaxMessageResponse } from '../../schemas/responses';
import type { ContentType } from '../../../services/messages';
import { phoneOrFail } from '../../../services/contacts';
import { seaxMessage } from '../messages-views';

const TAG = 'SeaX Messages';
const params = z.object({ workspace_id: workspaceId });

/** WhatsApp media type from the URL's extension (SeaX sends only `media_urls`). */
export function mediaTypeOf(url: string): Exclude<ContentType, 'text' | 'template'> {
  const ext = /\.([a-z0-9]+)(?:[?#]|$)/i.exec(new URL(url).pathname)?.[1]?.toLowerCase() ?? '';
  if (['jpg', 'jpeg', 'png', 'gif', 'webp'].includes(ext)) return 'image';
  if (['mp4', '3gp', 'mov'].includes(ext)) return 'video';
  if (['mp3', 'ogg', 'aac', 'amr', 'm4a', 'opus'].includes(ext)) return 'audio';
  return 'document';
}

/** SeaX single sends: SMS/MMS (`send_message`) and WhatsApp (`send_whatsapp_message`, `send_message/wabp_template_message`). */
export function seaxMessageRoutes({ services }: RouteDeps) {
  const service = services.messages;
  const assertPublicUrls = services.assertPublicUrls;
  const mediaFields = (urls: string[] | undefined) => (urls ?? []).map((url, i) => ({ field: `media_urls.${i}`, url }));
  type WhatsAppBody = z.output<typeof seaxSendWhatsAppBody> | z.output<typeof seaxSendWabpTemplateBody>;
  const whatsappHandler = async (ctx: Parameters<typeof workspaceFromPath>[0], body: WhatsAppBody) => {
    const ws = workspaceFromPath(ctx);
    const principal = principalOf(ctx);
    const sender = await service.senderByNumber(ws, phoneOrFail(body.phone_number, 'phone_number', principal.defaultCountry), 'phone_number');
    const to = phoneOrFail(body.to_phone_number, 'to_phone_number', principal.defaultCountry);
    const media = body.media_urls ?? [];
    await assertPublicUrls(mediaFields(media));
    const template =
      'template_name' in body && body.template_name
        ? { name: body.template_name, language: body.template_language ?? 'en_US', ...(body.components ? { components: body.components } : {}) }
        : undefined;
    const m = await service.send(ws, {
      channel: 'whatsapp',
      sender,
      to,
      content: body.message ?? null,
      mediaUrls: media,
      contentType: template ? 'template' : media.length ? mediaTypeOf(media[0]) : 'text',
      ...(template ? { template } : {}),
      ...(body.send_at ? { sendAt: new Date(body.send_at) } : {}),
      transactional: body.transactional,
      apiKeyId: principal.keyId,
    });
    return seaxMessage(m, 'message');
  };
  return [
    route({
      method: 'post',
      path: '/api/v1/workspace/:workspace_id/send_message',
      tag: TAG,
      summary: 'Send one SMS (or MMS with media_urls), now or scheduled up to 7 days ahead',
      ability: 'messages.send',
      params,
      body: seaxSendMessageBody,
      response: seaxMessageResponse,
      errors: [503],
      handler: async (ctx, { body }) => {
        const ws = workspaceFromPath(ctx);
        const principal = principalOf(ctx);
        const sender = await service.senderByNumber(ws, phoneOrFail(body.phone_number, 'phone_number', principal.defaultCountry), 'phone_number');
        const to = phoneOrFail(body.to_phone_number, 'to_phone_number', principal.defaultCountry);
        await assertPublicUrls(mediaFields(body.media_urls));
        const m = await service.send(ws, {
          channel: 'sms',
          sender,
          to,
          content: body.content,
          mediaUrls: body.media_urls ?? [],
          contentType: body.media_urls?.length ? 'image' : 'text',
          ...(body.send_at ? { sendAt: new Date(body.send_at) } : {}),
          transactional: body.transactional,
          apiKeyId: principal.keyId,
        });
        return seaxMessage(m);
      },
    }),
    route({
      method: 'post',
      path: '/api/v1/workspace/:workspace_id/send_whatsapp_message',
      tag: TAG,
      summary: 'Send one WhatsApp message (text, or media from media_urls)',
      ability: 'messages.send',
      params,
      body: seaxSendWhatsAppBody,
      response: seaxMessageResponse,
      errors: [503],
      handler: (ctx, { body }) => whatsappHandler(ctx, body),
    }),
    route({
      method: 'post',
      path: '/api/v1/workspace/:workspace_id/send_message/wabp_template_message',
      tag: TAG,
      summary: 'Send one WhatsApp message: an approved template (template_name), or text/media',
      description: 'With `template_name` the message is a template send (`template_language` defaults to en_US, `components` as the WhatsApp Cloud API takes them) and `message` is optional.',
      ability: 'messages.send',
      params,
      body: seaxSendWabpTemplateBody,
      response: seaxMessageResponse,
      errors: [503],
      handler: (ctx, { body }) => whatsappHandler(ctx, body),
    }),
  ];
}
