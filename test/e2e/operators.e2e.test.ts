import { startAwsLocalProcess } from '../helpers/aws-local-process.js';
import { startSingleProcess } from '../helpers/services.js';
import { describeOperatorsE2E } from './operators.suite.js';

describeOperatorsE2E('single process, SQLite', startSingleProcess);
describeOperatorsE2E('aws-local: Lambda handlers on dynalite + fauxqs', startAwsLocalProcess);
