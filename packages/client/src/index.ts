export * from './artifacts.ts';
export * from './client-error.ts';
export * from './control-plane-client.ts';
export * from './data-plane.ts';
export * from './rollout.ts';
