/** Starts the BlogTube server: `npm start` (PORT, default 8080). */
import { createServer } from 'node:http';
import { Store } from '../db/store.js';
import { createHandler } from './app.js';

const port = Number(process.env.PORT ?? 8080);
createServer(createHandler(new Store())).listen(port, () => {
  console.log(`BlogTube on http://localhost:${port}`);
});
