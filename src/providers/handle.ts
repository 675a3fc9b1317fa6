// A provider handle: its identity (known without connecting, for keys) and a lazy connection.
import type { Provider, ProviderIdentity } from './types.ts';

export interface ProviderHandle {
  identity: ProviderIdentity;
  /** `local` or `openai:<base_url>`. */
  identityString: string;
  /** Connects once (starting the embedded local server if needed); later calls share the connection. */
  connect(): Promise<Provider>;
  /** Closes the connection if one was made. */
  close(): Promise<void>;
}
