// The test suite runs its own redis-server processes with the same helpers the demo uses.
export { freePort, startRedisServer } from '../../src/demo/redis-server.js';
