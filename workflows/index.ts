export * from './campaign';
export * from './contact-export';
export * from './dialer';
export * from './send-message';
export * from './webhook-delivery';
export * from './webhook-dispatcher';
export * from './webhook-log-export';
