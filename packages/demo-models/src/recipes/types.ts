import type { DemoModelEntry } from '../manifest.ts';

/** A serialized model and its manifest entry, before it is written to disk. */
export interface BuiltModel {
  entry: Omit<DemoModelEntry, 'file' | 'sha256'>;
  bytes: Uint8Array;
}
