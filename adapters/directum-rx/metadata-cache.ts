// $metadata read once per process and kept for a TTL (types change with an installation's
// release, not between appeals). A Directum that publishes none (404) is written as the
// reference describes it; any other failure is not kept, so the next call tries again.
import { BridgeError } from '../../src/errors.js';
import type { DirectumClient } from './client.js';
import { parseMetadata, type ServiceMetadata } from './metadata.js';

export class DirectumMetadataCache {
  private cached?: { at: number; metadata: Promise<ServiceMetadata | undefined> };

  constructor(
    private readonly client: DirectumClient,
    private readonly ttlMs = 10 * 60_000,
  ) {}

  get(): Promise<ServiceMetadata | undefined> {
    if (this.cached && Date.now() - this.cached.at <= this.ttlMs) return this.cached.metadata;
    const metadata = this.client.metadataXml().then(parseMetadata, (error: unknown) => {
      if (error instanceof BridgeError && error.status === 404) return undefined;
      throw error;
    });
    const entry = { at: Date.now(), metadata };
    metadata.catch(() => {
      if (this.cached === entry) this.cached = undefined;
    });
    this.cached = entry;
    return metadata;
  }
}
