/**
 * Carrier verdicts, not infrastructure, decide that a message cannot be sent. Activities that talk to carriers are
 * retried without limit (with back-off): a worker crash, an activity timeout or a database hiccup only delays a
 * send. What fails a message is a permanent carrier error, or this many transient ones (5xx, network errors, and
 * ambiguous outcomes the carrier then had no record of), counted on the message itself.
 */
export const MAX_TRANSIENT_FAILURES = 10;

/** Whether a message that has just had its `failures`-th transient carrier failure should be given up. */
export const exhausted = (failures: number): boolean => failures >= MAX_TRANSIENT_FAILURES;
