import { startSingleProcess } from '../helpers/services.js';
import { describeDeliveryE2E } from './delivery.suite.js';
import { describeOwnKeySigningE2E, describeSignedDeliveryE2E } from './signed-delivery.suite.js';

describeDeliveryE2E('single process, SQLite', startSingleProcess);
describeSignedDeliveryE2E('single process, SQLite', startSingleProcess);
describeOwnKeySigningE2E('single process, SQLite', startSingleProcess);
