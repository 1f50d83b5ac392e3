import { describeEdmsAdapterConformance } from './edms-adapter.suite.js';
import { DIRECTUM_INSTALLATION, makeDirectumHarness } from './directum-harness.js';

describeEdmsAdapterConformance('directum-rx', makeDirectumHarness, DIRECTUM_INSTALLATION);
