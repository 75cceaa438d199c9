/** Workflow ids are business ids, so a retried API request finds the run it already started. */
export const workflowIds = {
  contactExport: (jobId: string) => `contact-export-${jobId}`,
};
