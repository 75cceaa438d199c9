export * from './contact-export';
