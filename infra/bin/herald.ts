import { createHeraldApp } from '../lib/app.js';

createHeraldApp();
