export { BatchBuffer, type BatchBufferOptions, type BatchBufferStats } from './batch-buffer.ts';
export { TelemetryEnvShape, telemetrySettings } from './config.ts';
export { registerTelemetry } from './hooks.ts';
export { hashRoutingKey } from './prediction-log.ts';
export { createTelemetry, type Telemetry, type TelemetryOptions } from './telemetry.ts';
