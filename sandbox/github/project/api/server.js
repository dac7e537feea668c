/** Starts the BlogTube server: `npm start` (PORT, HOST: see deploy/config.js). */
import { createServer } from 'node:http';
import { Store } from '../db/index.js';
import { loadConfig } from '../deploy/config.js';
import { createHandler } from './app.js';

const { port, host } = loadConfig();
createServer(createHandler(new Store())).listen(port, host, () => {
  console.log(`BlogTube on http://${host}:${port}`);
});
