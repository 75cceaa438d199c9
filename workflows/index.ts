export * from './campaign';
export * from './contact-export';
export * from './contact-import';
export * from './log-export';
export * from './send-message';
export * from './webhook-delivery';
export * from './webhook-dispatcher';
export * from './webhook-log-export';
