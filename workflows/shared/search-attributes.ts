import { defineSearchAttributeKey } from '@temporalio/common';

/** Search attributes every Switchboard workflow carries, so operators can filter runs in the Temporal UI. */
export const SEARCH_ATTRIBUTES = {
  workspaceId: defineSearchAttributeKey('WorkspaceId', 'KEYWORD'),
  workflowKind: defineSearchAttributeKey('SwitchboardKind', 'KEYWORD'),
  /** Campaign runs: sms | mms | whatsapp; dialer campaigns: VOICE_DROP | PROGRESSIVE_DIALER | AI_AGENT. */
  campaignType: defineSearchAttributeKey('CampaignType', 'KEYWORD'),
} as const;
