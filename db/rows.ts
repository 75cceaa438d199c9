/**
 * Every table's row type, as knex returns it (timestamptz as Date, jsonb parsed). Repositories, services and
 * activities take rows from here; this file imports nothing but the pure domain types some jsonb columns hold.
 */
import type { CampaignChannel, CampaignStatus } from '../domain/campaigns';
import type { CallStatus, DialerStatus, DialerType, RetryDelays } from '../domain/dialer';
import type { SegmentFilter } from '../domain/segment';

export interface ApiKeyRow {
  id: string;
  workspace_id: string;
  kind: 'seax' | 'pair';
  name: string;
  public_key: string | null;
  secret_hash: string;
  abilities: string[];
  session_id: string | null;
  rate_limit_per_minute: number | null;
  daily_quota: number | null;
  monthly_quota: number | null;
  expires_at: Date | null;
  disabled_at: Date | null;
  revoked_at: Date | null;
  last_used_at: Date | null;
  created_at: Date;
}

/** A key joined with its workspace's status and default limits: what authentication needs in one read. */
export interface AuthKeyRow extends ApiKeyRow {
  workspace_status: string;
  ws_rate_limit_per_minute: number;
  ws_daily_quota: number;
  ws_monthly_quota: number;
  ws_default_country: string;
}

export type AutoReplyOrigin = 'seax_keyword' | 'zagely_automation';

export type TriggerType = 'keyword' | 'welcome' | 'away' | 'fallback';

export type MatchMode = 'exact' | 'contains' | 'fuzzy';

export interface AutoReplyRow {
  id: string;
  workspace_id: string;
  phone_id: string | null;
  origin: AutoReplyOrigin;
  name: string;
  channel: string;
  trigger_type: TriggerType;
  trigger_value: string | null;
  match_mode: MatchMode;
  response_content: string | null;
  response_media_url: string | null;
  response_buttons: unknown[];
  conditions: Record<string, unknown>;
  priority: number;
  is_active: boolean;
  enabled_contact_label: boolean;
  keep_dnc_label_only: boolean;
  contact_label_ids: string[];
  created_at: Date;
  updated_at: Date;
}

export interface AutoReplyLogRow {
  id: string;
  workspace_id: string;
  /** Null for the SeaX phone-level generic reply. */
  auto_reply_id: string | null;
  inbound_message_id: string | null;
  reply_message_id: string | null;
  contact_id: string | null;
  matched_text: string | null;
  created_at: Date;
}

export interface Recurrence {
  /** A cron expression (5 fields), or */
  cron?: string;
  /** a fixed interval in seconds. */
  interval_seconds?: number;
  /** IANA zone the cron expression is read in (default UTC). */
  timezone?: string;
  /** No runs after this instant (ISO). */
  end_at?: string;
}

export interface CampaignRow {
  id: string;
  workspace_id: string;
  dialect: 'seax' | 'zagely';
  name: string;
  channel: CampaignChannel;
  message: string;
  media_urls: string[];
  buttons: unknown[] | null;
  phone_ids: string[];
  audience: SegmentFilter;
  target_type: string | null;
  target_filters: Record<string, unknown> | null;
  status: CampaignStatus;
  start_time: Date | null;
  end_time: Date | null;
  enable_link_shortening: boolean;
  attach_contact_label_ids: string[];
  recurrence: Recurrence | null;
  recurrence_paused: boolean;
  parent_id: string | null;
  run_number: number | null;
  run_key: string | null;
  job_id: string;
  workflow_id: string | null;
  target_contact_count: number | null;
  excluded_count: number | null;
  started_at: Date | null;
  paused_at: Date | null;
  completed_at: Date | null;
  canceled_at: Date | null;
  labels_attached_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

export interface CampaignLogRow {
  seq: number;
  message_id: string;
  contact_id: string;
  phone: string;
  phone_id: string;
  contact_name: string | null;
  status: string;
  message_row_id: string | null;
  content: string | null;
  provider_message_id: string | null;
  sent_at: Date | null;
  delivered_at: Date | null;
  read_at: Date | null;
  failed_at: Date | null;
  error_code: string | null;
  error_message: string | null;
}

/** A sender phone as carrier code sees it: with its provider's sender id and encrypted credentials. */
export interface CarrierPhoneRow extends PhoneRow {
  credentials_encrypted: string | null;
  provider_sender_id: string | null;
}

export type ConsentAction = 'opt_out' | 'opt_in' | 'block' | 'unblock';

export type ConsentSource = 'api' | 'keyword' | 'keypress' | 'import' | 'admin' | 'system';

export interface ConsentEventRow {
  id: string;
  workspace_id: string;
  contact_id: string;
  phone: string | null;
  action: ConsentAction;
  source: ConsentSource;
  actor: string | null;
  detail: Record<string, unknown>;
  created_at: Date;
}

export interface ContactRow {
  id: string;
  workspace_id: string;
  name: string;
  phone: string | null;
  whatsapp_phone: string | null;
  email: string | null;
  note: string | null;
  custom_fields: Record<string, unknown>;
  timezone: string | null;
  blocked: boolean;
  opted_out_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

/** A message as the contact view lists it. */
export interface ContactMessageRow {
  id: string;
  channel: string;
  direction: 'inbound' | 'outbound';
  content_type: string;
  content: string | null;
  status: string;
  phone_id: string | null;
  created_at: Date;
}

export interface ConversationRow {
  id: string;
  workspace_id: string;
  contact_id: string;
  phone_id: string | null;
  channel: 'sms' | 'whatsapp' | 'email';
  status: 'open' | 'ended';
  last_message_at: Date | null;
  ended_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

export interface EventRow {
  id: string;
  seq: number;
  workspace_id: string;
  type: string;
  subject_type: string | null;
  subject_id: string | null;
  data: Record<string, unknown>;
  occurred_at: Date;
}

/** Filters of a dynamic group, stored as sent (dates as the client wrote them). */
export interface GroupFilters {
  tags?: string[];
  custom_fields?: Record<string, string | number | boolean>;
  created_from?: string;
  created_to?: string;
}

export interface GroupRow {
  id: string;
  workspace_id: string;
  name: string;
  type: 'static' | 'dynamic';
  description: string | null;
  filters: GroupFilters | null;
  created_at: Date;
  updated_at: Date;
}

export interface IdempotencyRow {
  api_key_id: string;
  path: string;
  key: string;
  method: string;
  request_hash: string;
  state: 'in_progress' | 'completed';
  response_status: number | null;
  response_body: string | null;
  response_headers: Record<string, string> | null;
  /** The response's secrets, sealed with CREDENTIALS_ENCRYPTION_KEY (response_body has them redacted); null when none. */
  response_secrets_encrypted: string | null;
  created_at: Date;
}

export interface JobRow {
  id: string;
  workspace_id: string;
  type: string;
  status: 'pending' | 'processing' | 'finished' | 'failed';
  progress: number;
  total_items: number;
  processed_items: number;
  failed_items: number;
  params: Record<string, unknown>;
  result: Record<string, unknown> | null;
  error_report: Record<string, unknown> | null;
  workflow_id: string | null;
  /** Set when a client asked the job to stop (imports stop after the chunk in hand). */
  cancel_requested_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

/** A row of an import file that could not be imported, with why. */
export interface ImportRowFailureRow {
  job_id: string;
  workspace_id: string;
  row_number: number;
  reason: string;
  message: string;
  cells: string[];
}

export interface LabelRow {
  id: string;
  workspace_id: string;
  name: string;
  color: string;
  description: string | null;
  is_system: boolean;
  created_at: Date;
  updated_at: Date;
}

export type MessageStatus =
  | 'scheduled' | 'queued' | 'sending' | 'sent' | 'delivered' | 'undelivered' | 'failed' | 'read' | 'received' | 'canceled' | 'expired';

export interface MessageRow {
  id: string;
  workspace_id: string;
  channel: 'sms' | 'mms' | 'whatsapp' | 'email';
  direction: 'outbound' | 'inbound';
  sender_type: 'CUSTOMER' | 'AGENT' | 'BOT' | 'SYSTEM';
  content_type: string;
  phone_id: string | null;
  contact_id: string | null;
  conversation_id: string | null;
  campaign_id: string | null;
  api_key_id: string | null;
  from_address: string;
  to_address: string;
  content: string | null;
  media_urls: string[];
  template: Record<string, unknown> | null;
  is_marketing: boolean;
  status: MessageStatus;
  provider: string | null;
  provider_message_id: string | null;
  error_code: string | null;
  error_message: string | null;
  encoding: string | null;
  segments: number | null;
  send_at: Date | null;
  queued_at: Date | null;
  sending_at: Date | null;
  sent_at: Date | null;
  delivered_at: Date | null;
  undelivered_at: Date | null;
  failed_at: Date | null;
  read_at: Date | null;
  received_at: Date | null;
  canceled_at: Date | null;
  workflow_id: string | null;
  /** Transient carrier failures so far (domain/retries.ts). */
  transient_failures: number;
  created_at: Date;
  updated_at: Date;
}

export interface PhoneCapability {
  sms: boolean;
  mms: boolean;
  voice: boolean;
  fax: boolean;
  whatsapp: boolean;
  whatsapp_business_platform: boolean;
}

export interface PhoneRow {
  id: string;
  workspace_id: string;
  name: string;
  phone: string;
  country: string;
  type: 'LOCAL' | 'TOLL_FREE' | 'SHORT_CODE';
  source: string;
  phone_capability: PhoneCapability;
  is_default: boolean;
  enabled: boolean;
  is_owned: boolean;
  generic_reply_message: string | null;
  dnc_reply_message: string | null;
  enabled_generic_reply: boolean;
  enabled_dnc_reply: boolean;
  enabled_recipient: boolean;
  call_recipient: Record<string, unknown> | null;
  sms_recipient: Record<string, unknown> | null;
  wabp_recipient: Record<string, unknown> | null;
  whatsapp_business_account_phone_id: string | null;
  whatsapp_status: string | null;
  status: string;
  /** AES-256-GCM ciphertext bound to the phone id (carriers/registry.ts); never returned by the API. */
  credentials_encrypted?: string | null;
  /** The provider's own id for the sender (the WhatsApp Cloud phone-number-id); inbound callbacks are matched on it. */
  provider_sender_id?: string | null;
  daily_limit: number | null;
  warmup_enabled: boolean;
  created_at: Date;
  updated_at: Date;
}

/** A template button as stored (validated by the API schema before it gets here). */
export type TemplateButton =
  | { type: 'quick_reply'; text: string }
  | { type: 'url'; text: string; url: string }
  | { type: 'phone'; text: string; phone: string };

export interface TemplateRow {
  id: string;
  workspace_id: string;
  name: string;
  channel: string;
  content: string;
  media_url: string | null;
  buttons: TemplateButton[];
  variables: string[];
  created_at: Date;
  updated_at: Date;
}

/**
 * SeaX delivery logs: one log per HTTP attempt (webhook_attempts), with its delivery and subscription. A log is
 * `success` when the attempt got a 2xx (error IS NULL), else `failed`. Shared by GET …/logs (paged, ordered) and
 * the log export workflow (streamed), so both apply the same filters. Always scoped by workspace.
 */
export type SeaxDeliveryStatus = 'success' | 'failed';

export interface WebhookLogRow {
  id: string;
  workspace_id: string;
  event_id: string;
  delivery_id: string;
  subscription_id: string;
  event_type: string;
  webhook_url: string;
  delivery_status: SeaxDeliveryStatus;
  status_code: number | null;
  response_body: string | null;
  error: string | null;
  attempt: number;
  payload: unknown;
  occurred_at: Date;
  created_at: Date;
  subscription_created_by: string | null;
  subscription_updated_by: string | null;
}

export type WebhookDialect = 'zagely' | 'seax';

export type DeliveryStatus = 'pending' | 'succeeded' | 'failed';

export interface WebhookSubscriptionRow {
  id: string;
  workspace_id: string;
  dialect: WebhookDialect;
  url: string;
  events: string[];
  /** The signing secret, sealed with CREDENTIALS_ENCRYPTION_KEY (lib/sealed-secrets.ts); never stored in clear. */
  secret_encrypted: string;
  active: boolean;
  type: string | null;
  created_by: string | null;
  updated_by: string | null;
  created_at: Date;
  updated_at: Date;
}

export interface WebhookDeliveryRow {
  id: string;
  workspace_id: string;
  subscription_id: string;
  event_id: string;
  event_type: string;
  payload: unknown;
  occurred_at: Date;
  status: DeliveryStatus;
  attempts: number;
  next_attempt_at: Date | null;
  last_status_code: number | null;
  last_error: string | null;
  signature: string | null;
  duration_ms: number | null;
  dispatched_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

export interface WebhookAttemptRow {
  id: string;
  delivery_id: string;
  attempt: number;
  status_code: number | null;
  response_body: string | null;
  duration_ms: number;
  error: string | null;
  signature: string | null;
  /** False while the request is (or was, when its worker died) in flight: the attempt may have reached the receiver. */
  completed: boolean;
  created_at: Date;
}

export interface WorkspaceRow {
  id: string;
  name: string;
  status: 'active' | 'disabled';
  rate_limit_per_minute: number;
  daily_quota: number;
  monthly_quota: number;
  default_country: string;
  created_at: Date;
  updated_at: Date;
}

/** An AI agent's integration of one type (SEAX_CALL answers calls). */
export interface AiAgentIntegration {
  type: 'SEAX_CALL' | 'SEAX_SMS' | 'SEAX_WABP';
  inbound_pick_up_message: string | null;
  outbound_starting_message: string | null;
  outbound_voice: string | null;
  outbound_language: string | null;
  inbound_voice: string | null;
  inbound_language: string | null;
  /** Where an answered call goes: TwiML to redirect to, or */
  twiml_url?: string | null;
  /** a media-stream WebSocket (Twilio `<Connect><Stream>`) of a voice-AI service. */
  stream_url?: string | null;
}

export interface AiAgentRow {
  id: string;
  workspace_id: string;
  name: string;
  conversation_config_id: string;
  integrations: AiAgentIntegration[];
  created_at: Date;
  updated_at: Date;
}

/** The audience filters of a dialer campaign as the request gave them (ids), for `campaign_metadata`. */
export interface DialerAudienceRefs {
  any_contact_label_ids?: string[];
  all_contact_label_ids?: string[];
  exclude_any_contact_label_ids?: string[];
  exclude_all_contact_label_ids?: string[];
  exclude_contact_ids?: string[];
  addition_contact_ids?: string[];
  whatsapp_phone_only?: boolean;
}

export interface DialerCampaignRow {
  id: string;
  workspace_id: string;
  name: string;
  draft_name: string | null;
  type: DialerType;
  mode: string;
  stage: string;
  status: DialerStatus;
  message: string;
  tts_language: string;
  tts_voice: string;
  audio_url: string | null;
  capture_keypress: boolean;
  capture_stt: boolean;
  ai_agent_id: string | null;
  ai_agent_conversation_config_id: string | null;
  overwrite_phone_recipient: { type: string; receiver: string } | null;
  phone_ids: string[];
  audience: SegmentFilter;
  audience_refs: DialerAudienceRefs;
  attach_contact_label_ids: string[];
  max_attempts: number;
  max_dialers: number;
  agent_lines: number | null;
  is_schedule: boolean;
  is_timezone_aware: boolean;
  timezone: string | null;
  start_time: Date;
  end_time: Date;
  ring_timeout_seconds: number;
  time_limit_seconds: number;
  retry_delays: Partial<RetryDelays>;
  calling_window: { start: string; end: string };
  opt_out_digit: string | null;
  legacy_shape: string | null;
  workflow_id: string | null;
  target_contact_count: number | null;
  excluded_count: number | null;
  started_at: Date | null;
  paused_at: Date | null;
  completed_at: Date | null;
  canceled_at: Date | null;
  labels_attached_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

export interface DialerContactRow {
  campaign_id: string;
  seq: number;
  workspace_id: string;
  contact_id: string;
  phone: string;
  phone_id: string;
  status: 'pending' | 'active' | 'done' | 'expired' | 'canceled';
  attempts: number;
  not_before: Date | null;
  next_attempt_at: Date | null;
  outcome: string | null;
  finish_reason: string | null;
  last_attempt_id: string | null;
  batch: number | null;
}

export interface CallAttemptRow {
  id: string;
  workspace_id: string;
  campaign_id: string;
  seq: number;
  attempt: number;
  contact_id: string | null;
  phone_id: string | null;
  from_address: string;
  to_address: string;
  status: CallStatus;
  answered_by: string | null;
  provider: string | null;
  provider_call_id: string | null;
  digits: string | null;
  speech_result: string | null;
  speech_confidence: number | null;
  duration_seconds: number | null;
  sequence_number: number;
  abandoned: boolean;
  opted_out: boolean;
  finish_reason: string | null;
  finished_by: string | null;
  recording_url: string | null;
  error_code: string | null;
  error_message: string | null;
  dialing_at: Date;
  placed_at: Date | null;
  ringing_at: Date | null;
  answered_at: Date | null;
  bridged_at: Date | null;
  ended_at: Date | null;
  created_at: Date;
  updated_at: Date;
}
