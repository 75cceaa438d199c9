/**
 * The segment filter: which contacts of a workspace a list, group, campaign or dialer selects. One definition serves
 * SeaX contact filters, Zagely contact filters and dynamic groups; db/repositories/segments.ts compiles it to one SQL
 * query and `matchesSegment` below is its plain in-memory meaning (the property test holds the two equal).
 *
 * Semantics: a contact is selected when
 *   (it passes every positive filter given, or its id is in additionContactIds)
 *   and its id is not in excludeContactIds
 *   and, with reachableOnly, it is not blocked, not opted out and has no DNC label.
 */
export interface SegmentFilter {
  /** Case-insensitive substring of name, phone or email. */
  keyword?: string;
  /** Substring of the WhatsApp phone. */
  whatsappPhone?: string;
  /** Only contacts that have a WhatsApp phone. */
  whatsappPhoneOnly?: boolean;
  anyLabelIds?: string[];
  allLabelIds?: string[];
  excludeAnyLabelIds?: string[];
  excludeAllLabelIds?: string[];
  /** Label names (case-insensitive): contacts with all of them (Zagely tags). */
  allLabelNames?: string[];
  /** Label names (case-insensitive): contacts with any of them are left out (SeaX exclude_labels). */
  excludeLabelNames?: string[];
  /** Member of this group: a static group's members, or a dynamic group's filters applied. */
  groupId?: string;
  /** Each key's value must equal (as text) the contact's custom field. */
  customFields?: Record<string, string | number | boolean>;
  /** created_at >= createdFrom and created_at < createdTo. */
  createdFrom?: Date;
  createdTo?: Date;
  isBlocked?: boolean;
  /** true: opted out; false: not opted out. */
  optedOut?: boolean;
  excludeContactIds?: string[];
  additionContactIds?: string[];
  /** Audience mode for sending: never blocked, opted-out or DNC-labelled contacts. */
  reachableOnly?: boolean;
}
