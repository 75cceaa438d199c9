import type { VoiceVerb } from '../voice';

/*
 * TwiML, Twilio's call instructions (https://www.twilio.com/docs/voice/twiml): pure rendering of provider-neutral
 * voice verbs to the XML Twilio fetches when a call is answered or a <Gather> reports.
 */

const escapeXml = (s: string): string => s.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!);

const attrs = (a: Record<string, string | number | undefined>): string =>
  Object.entries(a)
    .filter(([, v]) => v !== undefined && v !== '')
    .map(([k, v]) => ` ${k}="${escapeXml(String(v))}"`)
    .join('');

/** Voices Twilio's <Say> knows (man, woman, alice, Polly.*, Google.*); anything else (e.g. en-US-default) is left to Twilio's default. */
export const twilioVoice = (voice: string | undefined): string | undefined => (voice && /^(man|woman|alice|Polly\.[\w-]+|Google\.[\w-]+)$/.test(voice) ? voice : undefined);

function verb(v: VoiceVerb): string {
  switch (v.verb) {
    case 'say':
      return `<Say${attrs({ voice: twilioVoice(v.voice), language: v.language })}>${escapeXml(v.text)}</Say>`;
    case 'play':
      return `<Play>${escapeXml(v.url)}</Play>`;
    case 'pause':
      return `<Pause${attrs({ length: v.seconds })}/>`;
    case 'gather':
      return `<Gather${attrs({ input: v.input.join(' '), action: v.action, method: 'POST', numDigits: v.numDigits, timeout: v.timeoutSec, language: v.language, actionOnEmptyResult: 'false' })}>${v.prompt.map(verb).join('')}</Gather>`;
    case 'dial':
      return `<Dial${attrs({ callerId: v.callerId, action: v.action, method: v.action ? 'POST' : undefined, timeout: v.timeoutSec })}><Number>${escapeXml(v.number)}</Number></Dial>`;
    case 'stream':
      return `<Connect><Stream${attrs({ url: v.url })}>${Object.entries(v.parameters ?? {})
        .map(([name, value]) => `<Parameter${attrs({ name, value })}/>`)
        .join('')}</Stream></Connect>`;
    case 'redirect':
      return `<Redirect method="POST">${escapeXml(v.url)}</Redirect>`;
    case 'hangup':
      return '<Hangup/>';
  }
}

/** A TwiML document for these verbs. */
export const renderTwiml = (verbs: VoiceVerb[]): string => `<?xml version="1.0" encoding="UTF-8"?><Response>${verbs.map(verb).join('')}</Response>`;
