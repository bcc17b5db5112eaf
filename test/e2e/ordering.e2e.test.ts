import { startAwsLocalProcess } from '../helpers/aws-local-process.js';
import { startSingleProcess } from '../helpers/services.js';
import { describeOrderingE2E } from './ordering.suite.js';

describeOrderingE2E('single process, SQLite', startSingleProcess);
describeOrderingE2E('aws-local: Lambda handlers on dynalite + fauxqs, FIFO queue', startAwsLocalProcess);
