import { describeEdmsAdapterConformance } from './conformance/edms-adapter.suite.js';
import { DIRECTUM_CAPABILITIES, makeDirectumHarness } from './conformance/directum-harness.js';

describeEdmsAdapterConformance('directum-rx', makeDirectumHarness, DIRECTUM_CAPABILITIES);
