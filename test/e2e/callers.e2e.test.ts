import { startAwsLocalProcess } from '../helpers/aws-local-process.js';
import { startSingleProcess } from '../helpers/services.js';
import { describeCallersE2E } from './callers.suite.js';

describeCallersE2E('single process, SQLite', startSingleProcess);
describeCallersE2E('aws-local: Lambda handlers on dynalite + fauxqs', startAwsLocalProcess);
