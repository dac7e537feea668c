/** The HTTP API on node:http: JSON in, JSON out. */
import { createPost, listPosts } from '../db/index.js';
import { renderIndex } from '../web/render.js';

function send(res, status, body, type = 'application/json') {
  const text = type === 'application/json' ? JSON.stringify(body) : body;
  res.writeHead(status, { 'content-type': type });
  res.end(text);
}

async function readJson(req) {
  let raw = '';
  for await (const chunk of req) {
    raw += chunk;
    if (raw.length > 100_000) throw new Error('body too large');
  }
  return raw === '' ? {} : JSON.parse(raw);
}

export function createHandler(store) {
  return async (req, res) => {
    const url = new URL(req.url, 'http://localhost');
    try {
      if (req.method === 'GET' && url.pathname === '/') {
        return send(res, 200, renderIndex(listPosts(store)), 'text/html; charset=utf-8');
      }
      if (req.method === 'GET' && url.pathname === '/api/posts') {
        return send(res, 200, listPosts(store));
      }
      const one = /^\/api\/posts\/(\d+)$/.exec(url.pathname);
      if (req.method === 'GET' && one) {
        const post = store.get('posts', one[1]);
        return post ? send(res, 200, post) : send(res, 404, { error: 'not found' });
      }
      if (req.method === 'POST' && url.pathname === '/api/posts') {
        const { post, errors } = createPost(store, await readJson(req));
        return errors ? send(res, 422, { errors }) : send(res, 201, post);
      }
      return send(res, 404, { error: 'not found' });
    } catch (err) {
      return send(res, 400, { error: err.message });
    }
  };
}
