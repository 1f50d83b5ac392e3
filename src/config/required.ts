// Credentials are absent from the configuration when not set (tools load it without them); the
// place about to use one asks for it here, so absence is a coded error naming the variable.
import { BridgeError } from '../errors.js';

export function requiredSetting<T>(value: T | undefined, variable: string): T {
  if (value === undefined || value === '') throw new BridgeError('CONFIG_INVALID', `${variable}: is required here but not set`);
  return value;
}
