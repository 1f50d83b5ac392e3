// A stand-in worker process for worker-ipc.test.ts: serves a registry over the IPC channel as a
// forked worker does, and exits 7 when it learns that its supervisor is gone.
import { BridgeMetrics } from '../../src/metrics.js';
import { serveSupervisor } from '../../src/service/worker-ipc.js';

const metrics = new BridgeMetrics({ defaultMetrics: false });
metrics.appealsAccepted.inc({ organisation: 'default' }, 2);
serveSupervisor(metrics.registry, () => process.exit(7));
