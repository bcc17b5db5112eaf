import { startSingleProcess } from '../helpers/services.js';
import { describeBadInput } from './bad-input.suite.js';

describeBadInput('single process, SQLite', startSingleProcess);
