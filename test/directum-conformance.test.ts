import { describeEdmsAdapterConformance } from './conformance/edms-adapter.suite.js';
import { makeDirectumHarness } from './conformance/directum-harness.js';

describeEdmsAdapterConformance('directum-rx', makeDirectumHarness);
