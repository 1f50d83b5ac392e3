// Redis Sentinel and Redis Cluster for the topology tests, from Debian's redis-server and
// redis-cli (no Docker): every server on a free loopback port, in a temp dir, in its own process
// group, killed with its group by stop() (or when the test process exits).
export { topologySkipReason, type Address } from './redis-processes.js';
export { startSentinelSet, type SentinelSet } from './redis-sentinel.js';
export { startRedisCluster, type ClusterNode, type RedisClusterSet } from './redis-cluster.js';
