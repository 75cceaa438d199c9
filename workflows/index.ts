export * from './contact-export';
export * from './send-message';
