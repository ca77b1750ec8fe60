export * from './audit.ts';
export * from './auth.ts';
export * from './backend.ts';
export * from './bus.ts';
export * from './errors.ts';
export * from './names.ts';
export * from './registry.ts';
export * from './traffic.ts';
