import { describeEdmsAdapterConformance } from './edms-adapter.suite.js';
import { DIRECTUM_CAPABILITIES, makeDirectumHarness } from './directum-harness.js';

describeEdmsAdapterConformance('directum-rx', makeDirectumHarness, DIRECTUM_CAPABILITIES);
