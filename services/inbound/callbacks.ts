import type { Knex } from 'knex';
import type { CallbackRequest, CallbackVerifier, HandshakeResponse } from '../../carriers/callbacks';
import { decryptPhoneCredentials } from '../../carriers/credentials';
import { SimulatorCarrier } from '../../carriers/simulator/adapter';
import { simulatorCallbacks } from '../../carriers/simulator/callbacks';
import type { CallEvent, InboundEvent, NormalizedEvent, ProviderName } from '../../carriers/types';
import { parseForm, twilioCallbacks } from '../../carriers/twilio/callbacks';
import { renderTwiml } from '../../carriers/twilio/twiml';
import type { DialerCallsService } from '../dialer-calls';
import { metaCallbacks, parseWhatsAppWebhook } from '../../carriers/whatsapp-cloud/callbacks';
import { carrierPhonesRepo } from '../../db/repositories/carrier-phones';
import { messagesRepo } from '../../db/repositories/messages';
import { normalizePhone } from '../../domain/phone';
import type { Logger } from '../../lib/logger';
import { notFound, invalid } from '../errors';
import { carrierEventsService, type CarrierEventsDeps, type InboundOutcome, type IngestOutcome, type ResolvedEvent } from './ingest';
import type { CarrierPhoneRow } from '../../db/rows';

/*
 * The provider edge of carrier callbacks: find which of our phones a request concerns, authenticate it with that
 * phone's credentials (or the app-level secret), parse it with the adapter's pure parser, and hand the events to
 * the one ingest path (carrier-events.ts). Nothing is written unless the request authenticated. Requests that
 * concern nothing of ours (an unknown message id or number) are acknowledged with 2xx and logged: providers retry
 * non-2xx answers for hours, and there is nothing a retry could change.
 */

export interface CallbackAnswer {
  status: number;
  body: string;
  contentType: string;
  outcomes: IngestOutcome[];
}

/** Inbound numbers arrive in E.164; this only matters for a provider sending national formats. */
const DEFAULT_COUNTRY = 'US';
const TWIML_EMPTY = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>';
const twiml = (outcomes: IngestOutcome[] = []): CallbackAnswer => ({ status: 200, body: TWIML_EMPTY, contentType: 'text/xml', outcomes });
const text = (status: number, body: string, outcomes: IngestOutcome[] = []): CallbackAnswer => ({ status, body, contentType: 'text/plain', outcomes });
const forbidden = (): CallbackAnswer => text(403, 'Forbidden');

export interface CarrierCallbacksDeps extends Pick<CarrierEventsDeps, 'sendReply'> {
  db: Knex;
  logger: Logger;
  /** Call progress of dialer campaigns (Twilio voice callbacks, simulator call events). */
  dialer?: DialerCallsService;
  /** The secrets callbacks are verified with (ServiceSettings). */
  settings: { credentialsKey?: string; simulatorSecret: string; whatsappAppSecret?: string; whatsappVerifyToken?: string };
}

export function carrierCallbacksService(deps: CarrierCallbacksDeps) {
  const { db, logger, settings } = deps;
  const phones = carrierPhonesRepo(db);
  const messages = messagesRepo(db);
  const dialer = deps.dialer;
  const ingest = carrierEventsService({
    db,
    logger,
    defaultCountry: DEFAULT_COUNTRY,
    sendReply: deps.sendReply,
    ...(dialer ? { onCallEvent: (provider: ProviderName, e: CallEvent) => (provider === 'SIMULATOR' ? dialer.simulatorEvent(e) : Promise.resolve(false)) } : {}),
  });

  function credentials<P extends ProviderName>(provider: P, phone: CarrierPhoneRow) {
    if (!phone.credentials_encrypted) return undefined;
    if (!settings.credentialsKey) {
      logger.error({ phoneId: phone.id }, 'CREDENTIALS_ENCRYPTION_KEY is not set: carrier callbacks cannot be authenticated');
      return undefined;
    }
    try {
      return decryptPhoneCredentials(provider, { id: phone.id, credentials_encrypted: phone.credentials_encrypted }, settings.credentialsKey.split(',').map((k) => k.trim()).filter(Boolean));
    } catch (err) {
      logger.error({ err, phoneId: phone.id, provider }, 'phone credentials do not decrypt; callback refused');
      return undefined;
    }
  }

  /** The phone's Twilio verifier when its credentials are those of `accountSid` (when the request names one). */
  const twilioVerifier = (phone: CarrierPhoneRow, accountSid?: string): CallbackVerifier | undefined => {
    const creds = credentials('TWILIO', phone);
    if (!creds || (accountSid && creds.accountSid !== accountSid)) return undefined;
    return twilioCallbacks(creds.authToken);
  };
  const simulator = simulatorCallbacks(settings.simulatorSecret);

  const bareNumber = (addr: string): string => {
    const stripped = addr.replace(/^whatsapp:/, '');
    return normalizePhone(stripped, DEFAULT_COUNTRY) ?? stripped;
  };

  return {
    /** `POST /callbacks/twilio/status`: the message's phone's auth token must have signed the request. */
    async twilioStatus(req: CallbackRequest): Promise<CallbackAnswer> {
      const form = parseForm(typeof req.rawBody === 'string' ? req.rawBody : req.rawBody.toString('utf8'));
      const sid = form.get('MessageSid')?.[0] ?? form.get('SmsSid')?.[0];
      if (!sid) return text(400, 'MessageSid is required');
      const message = await messages.findByProviderId('TWILIO', sid);
      if (!message) {
        logger.info({ sid }, 'Twilio status callback for an unknown MessageSid; acknowledged');
        return twiml([{ type: 'status', providerMessageId: sid, known: false }]);
      }
      const phone = message.phone_id ? await phones.get(message.phone_id) : undefined;
      const verifier = phone && twilioVerifier(phone, form.get('AccountSid')?.[0]);
      if (!phone || !verifier?.verify(req)) return forbidden();
      const events = verifier.parse(req).filter((e) => e.type === 'status');
      return twiml(await ingest.ingest('TWILIO', events.map((event) => ({ event, allowedPhoneIds: new Set([phone.id]) }))));
    },

    /** `POST /callbacks/twilio/inbound`: the phone is found by `To` (and AccountSid); its auth token must verify. */
    async twilioInbound(req: CallbackRequest): Promise<CallbackAnswer> {
      const form = parseForm(typeof req.rawBody === 'string' ? req.rawBody : req.rawBody.toString('utf8'));
      const to = form.get('To')?.[0];
      if (!to) return text(400, 'To is required');
      const candidates = await phones.byNumber('TWILIO', bareNumber(to));
      if (!candidates.length) {
        logger.info({ to }, 'Twilio inbound message to a number no workspace has; acknowledged');
        return twiml();
      }
      const verified = candidates.flatMap((phone) => {
        const verifier = twilioVerifier(phone, form.get('AccountSid')?.[0]);
        return verifier?.verify(req) ? [{ phone, verifier }] : [];
      });
      if (!verified.length) return forbidden();
      if (verified.length > 1) logger.warn({ to, phones: verified.map((v) => v.phone.id) }, 'number configured in several workspaces with the same Twilio account; the oldest receives');
      const { phone, verifier } = verified[0];
      const events = verifier.parse(req).filter((e) => e.type === 'inbound');
      return twiml(await ingest.ingest('TWILIO', events.map((event) => ({ event, phone }))));
    },

    /**
     * `POST /callbacks/twilio/voice/{answer|status|amd|gather|dial}?attempt=<id>`: a dialer call's callbacks. The
     * attempt id in the URL names the call (it is signed with the rest of the URL, and it arrives before we may have
     * recorded the CallSid); its phone's auth token must verify the request. Answers TwiML.
     */
    async twilioVoice(kind: 'answer' | 'status' | 'amd' | 'gather' | 'dial', req: CallbackRequest): Promise<CallbackAnswer> {
      const attemptId = new URL(req.url).searchParams.get('attempt') ?? '';
      if (!/^[0-9a-f-]{36}$/i.test(attemptId)) return text(400, 'attempt is required');
      const attempt = dialer ? await dialer.attempt(attemptId) : undefined;
      if (!dialer || !attempt) {
        logger.info({ attemptId, kind }, 'Twilio voice callback for an unknown call attempt; acknowledged');
        return twiml();
      }
      const form = parseForm(typeof req.rawBody === 'string' ? req.rawBody : req.rawBody.toString('utf8'));
      const phone = attempt.phone_id ? await phones.get(attempt.phone_id) : undefined;
      const verifier = phone && twilioVerifier(phone, form.get('AccountSid')?.[0]);
      if (!verifier?.verify(req)) return forbidden();
      const event = verifier.parse(req).find((e): e is CallEvent => e.type === 'call');
      const progress = { ...(event ?? { occurredAt: req.receivedAt ?? new Date() }), provider: 'TWILIO' as const, type: undefined, status: event?.status };
      const outcome: IngestOutcome[] = [{ type: 'call', providerCallId: event?.providerCallId ?? '', known: true }];
      const xml = (verbs: Parameters<typeof renderTwiml>[0]): CallbackAnswer => ({ status: 200, body: renderTwiml(verbs), contentType: 'text/xml', outcomes: outcome });
      switch (kind) {
        case 'answer':
          return xml(await dialer.answer(attempt.id, progress, { wait: new URL(req.url).searchParams.get('wait') === '1' }));
        case 'gather':
          return xml(await dialer.gather(attempt.id, progress));
        case 'dial':
          return xml([{ verb: 'hangup' }]);
        default:
          if (event) await dialer.apply(attempt.id, progress);
          return twiml(outcome);
      }
    },

    /** `GET /callbacks/whatsapp`: Meta's subscription handshake, against env WHATSAPP_VERIFY_TOKEN or a phone's verifyToken. */
    async whatsappHandshake(req: CallbackRequest): Promise<HandshakeResponse> {
      const tokens = new Set<string>();
      if (settings.whatsappVerifyToken) tokens.add(settings.whatsappVerifyToken);
      if (settings.credentialsKey) {
        for (const p of await phones.withCredentials('WHATSAPP_CLOUD')) {
          const token = credentials('WHATSAPP_CLOUD', p)?.verifyToken;
          if (token) tokens.add(token);
        }
      }
      let answer: HandshakeResponse | undefined;
      for (const token of tokens.size ? tokens : [undefined]) {
        answer = metaCallbacks('', token).answerHandshake?.(req);
        if (!answer || answer.status === 200) break;
      }
      return answer ?? { status: 400, body: 'Not a subscription request' };
    },

    /**
     * `POST /callbacks/whatsapp`: signed with the Meta app secret (env WHATSAPP_APP_SECRET, or the appSecret in the
     * credentials of the phone(s) the payload names). A phone's own secret vouches only for that phone's events.
     */
    async whatsapp(req: CallbackRequest): Promise<CallbackAnswer> {
      // Parsed before it is verified only to learn which phones it names (their secrets verify it); nothing is
      // written unless a signature checks out.
      const events: NormalizedEvent[] = parseWhatsAppWebhook(req);
      const senderIds = [...new Set(events.map((e) => (e.type === 'call' ? undefined : e.providerSenderId)).filter((id): id is string => !!id))];
      const named = await phones.bySenderIds('WHATSAPP_CLOUD', senderIds);
      const appVerified = !!settings.whatsappAppSecret && metaCallbacks(settings.whatsappAppSecret).verify(req);
      const trusted = appVerified
        ? named
        : named.filter((p) => {
            const secret = credentials('WHATSAPP_CLOUD', p)?.appSecret;
            return !!secret && metaCallbacks(secret).verify(req);
          });
      if (!appVerified && !trusted.length) {
        if (!named.length && !settings.whatsappAppSecret) {
          logger.info({ senderIds }, 'WhatsApp webhook for no phone of ours; acknowledged');
          return text(200, 'OK');
        }
        return forbidden();
      }
      const bySender = new Map(trusted.map((p) => [p.provider_sender_id!, p]));
      const trustedIds = new Set(trusted.map((p) => p.id));
      const resolved: ResolvedEvent[] = [];
      for (const event of events) {
        if (event.type === 'inbound') resolved.push({ event, phone: event.providerSenderId ? bySender.get(event.providerSenderId) : undefined });
        else if (event.type === 'status') resolved.push({ event, ...(appVerified ? {} : { allowedPhoneIds: trustedIds }) });
      }
      return text(200, 'OK', await ingest.ingest('WHATSAPP_CLOUD', resolved));
    },

    /** `POST /callbacks/simulator`: events serialized by encodeSimulatorEvents, signed with SIMULATOR_CALLBACK_SECRET. */
    async simulator(req: CallbackRequest): Promise<CallbackAnswer> {
      if (!simulator.verify(req)) return forbidden();
      const resolved: ResolvedEvent[] = [];
      for (const event of simulator.parse(req)) {
        if (event.type === 'inbound') {
          const matches = await phones.byNumber('SIMULATOR', bareNumber(event.to));
          if (matches.length > 1) logger.warn({ to: event.to }, 'simulator number in several workspaces; the oldest receives');
          resolved.push({ event, phone: matches[0] });
        } else resolved.push({ event });
      }
      return text(200, 'OK', await ingest.ingest('SIMULATOR', resolved));
    },

    /**
     * `POST /simulator/inbound`: a handset texting one of our simulator phones. The simulator carrier builds the
     * event and it goes through the same ingest as every provider's callbacks.
     */
    async simulateInbound(input: { from: string; to: string; body?: string; text?: string; channel?: 'sms' | 'whatsapp'; media_urls?: string[]; workspace_id?: string }): Promise<InboundOutcome> {
      const from = normalizePhone(input.from, DEFAULT_COUNTRY);
      if (!from) throw invalid('from', 'Not a valid phone number.');
      const to = normalizePhone(input.to, DEFAULT_COUNTRY);
      if (!to) throw invalid('to', 'Not a valid phone number.');
      const all = await phones.byNumberAnySource(to);
      const inScope = input.workspace_id ? all.filter((p) => p.workspace_id === input.workspace_id) : all;
      const sims = inScope.filter((p) => p.source === 'SIMULATOR');
      if (!sims.length) {
        if (inScope.length) {
          throw invalid('to', `The phone ${to} uses the provider ${inScope[0].source}; the simulator only delivers to phones whose provider is SIMULATOR.`);
        }
        throw notFound('Simulator phone', `No phone ${to} uses the simulator provider: POST /simulator/inbound delivers only to SIMULATOR phones.`);
      }
      if (sims.length > 1) throw invalid('workspace_id', `The simulator phone ${to} exists in several workspaces; pass workspace_id.`);
      const phone = sims[0];
      const carrier = new SimulatorCarrier();
      const event: InboundEvent = await carrier.simulateInbound({
        from,
        to,
        ...(input.channel === 'whatsapp' ? { channel: 'whatsapp' as const, text: input.text ?? input.body ?? '' } : { body: input.body ?? input.text ?? '' }),
        mediaUrls: input.media_urls ?? [],
      });
      const [outcome] = await ingest.ingest('SIMULATOR', [{ event, phone }]);
      return outcome as InboundOutcome;
    },
  };
}

export type CarrierCallbacksService = ReturnType<typeof carrierCallbacksService>;
