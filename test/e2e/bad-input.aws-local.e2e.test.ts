import { startAwsLocalService } from '../helpers/aws-local-service.js';
import { describeBadInput } from './bad-input.suite.js';

describeBadInput('aws-local: Lambda handlers on dynalite + fauxqs', startAwsLocalService);
