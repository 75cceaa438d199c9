/** Workflow ids are business ids, so a retried API request finds the run it already started. */
export const workflowIds = {
  contactExport: (jobId: string) => `contact-export-${jobId}`,
  /** One workflow per outbound message; the message id is also the carrier idempotency key. */
  message: (messageId: string) => `message-${messageId}`,
  /** One workflow per webhook delivery (a replay runs the same id again); the delivery id is what receivers dedupe on. */
  webhookDelivery: (deliveryId: string) => `webhook-delivery-${deliveryId}`,
  /** One dispatcher per task queue (deployment). */
  webhookDispatcher: (taskQueue: string) => `webhook-dispatcher-${taskQueue}`,
};
