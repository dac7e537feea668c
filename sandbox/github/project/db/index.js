/** The database layer's public face: the store and one module per table. */
export { Store } from './store.js';
export * from './posts.js';
