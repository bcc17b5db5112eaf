import { startSingleProcess } from '../helpers/services.js';
import { describeDeliveryE2E } from './delivery.suite.js';

describeDeliveryE2E('single process, SQLite', startSingleProcess);
