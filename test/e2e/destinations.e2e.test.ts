import { startAwsLocalProcess } from '../helpers/aws-local-process.js';
import { startSingleProcess } from '../helpers/services.js';
import { describeDestinationsE2E } from './destinations.suite.js';

describeDestinationsE2E('single process, SQLite', startSingleProcess);
describeDestinationsE2E('aws-local: Lambda handlers on dynalite + fauxqs', startAwsLocalProcess);
