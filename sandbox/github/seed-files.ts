/**
 * The classic seed: an Express/React/PostgreSQL BlogTube app as two commits
 * on `main` (`POST /_sim/repos` with `classic: true`). The default seed is
 * the runnable Node project under ./project (see project.ts).
 */
export interface SeedCommit {
  message: string;
  date: string;
  files: Record<string, string>;
}

/** The three tables, as both the schema and the first migration create them. */
const tablesSql = `CREATE TABLE users (
  id          SERIAL PRIMARY KEY,
  handle      TEXT NOT NULL UNIQUE,
  email       TEXT NOT NULL UNIQUE,
  created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE posts (
  id          SERIAL PRIMARY KEY,
  author_id   INTEGER NOT NULL REFERENCES users(id),
  title       TEXT NOT NULL,
  body        TEXT NOT NULL,
  published   BOOLEAN NOT NULL DEFAULT false,
  created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE videos (
  id          SERIAL PRIMARY KEY,
  post_id     INTEGER REFERENCES posts(id) ON DELETE SET NULL,
  title       TEXT NOT NULL,
  url         TEXT NOT NULL,
  duration_s  INTEGER NOT NULL CHECK (duration_s >= 0),
  created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
`;

const schemaSql = `-- BlogTube database schema (PostgreSQL). Keep in sync with db/migrations.
${tablesSql}
CREATE INDEX posts_author_idx ON posts(author_id);
CREATE INDEX videos_post_idx ON videos(post_id);
`;

const initMigration = `-- 001_init: first schema version.
BEGIN;

${tablesSql}
COMMIT;
`;

const serverJs = `import express from 'express';
import pg from 'pg';
import { postsRouter } from './routes/posts.js';
import { videosRouter } from './routes/videos.js';

const port = Number(process.env.PORT ?? 8080);
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL });

export const app = express();
app.use(express.json({ limit: '1mb' }));

app.get('/healthz', (_req, res) => res.json({ ok: true }));
app.use('/api/posts', postsRouter(pool));
app.use('/api/videos', videosRouter(pool));

app.use((err, _req, res, _next) => {
  console.error(err);
  res.status(500).json({ error: 'internal_error' });
});

if (process.env.NODE_ENV !== 'test') {
  app.listen(port, () => console.log(\`BlogTube API listening on :\${port}\`));
}
`;

const postsJs = `import { Router } from 'express';

export function postsRouter(pool) {
  const router = Router();

  router.get('/', async (_req, res) => {
    const { rows } = await pool.query(
      'SELECT id, title, created_at FROM posts WHERE published ORDER BY created_at DESC LIMIT 50',
    );
    res.json(rows);
  });

  router.get('/:id', async (req, res) => {
    const { rows } = await pool.query('SELECT * FROM posts WHERE id = $1', [req.params.id]);
    if (rows.length === 0) return res.status(404).json({ error: 'not_found' });
    res.json(rows[0]);
  });

  router.post('/', async (req, res) => {
    const { authorId, title, body } = req.body ?? {};
    if (!authorId || !title || !body) return res.status(400).json({ error: 'invalid_post' });
    const { rows } = await pool.query(
      'INSERT INTO posts (author_id, title, body) VALUES ($1, $2, $3) RETURNING *',
      [authorId, title, body],
    );
    res.status(201).json(rows[0]);
  });

  return router;
}
`;

const videosJs = `import { Router } from 'express';

export function videosRouter(pool) {
  const router = Router();

  router.get('/', async (_req, res) => {
    const { rows } = await pool.query(
      'SELECT id, post_id, title, url, duration_s FROM videos ORDER BY created_at DESC LIMIT 50',
    );
    res.json(rows);
  });

  router.get('/:id', async (req, res) => {
    const { rows } = await pool.query('SELECT * FROM videos WHERE id = $1', [req.params.id]);
    if (rows.length === 0) return res.status(404).json({ error: 'not_found' });
    res.json(rows[0]);
  });

  return router;
}
`;

const appJsx = `import { useEffect, useState } from 'react';
import { PostList } from './components/PostList.jsx';
import { VideoPlayer } from './components/VideoPlayer.jsx';

export default function App() {
  const [posts, setPosts] = useState([]);
  const [video, setVideo] = useState(null);

  useEffect(() => {
    fetch('/api/posts')
      .then((r) => r.json())
      .then(setPosts)
      .catch(() => setPosts([]));
  }, []);

  return (
    <main className="app">
      <h1>BlogTube</h1>
      {video && <VideoPlayer video={video} onClose={() => setVideo(null)} />}
      <PostList posts={posts} onSelectVideo={setVideo} />
    </main>
  );
}
`;

const postListJsx = `export function PostList({ posts, onSelectVideo }) {
  if (posts.length === 0) {
    return <p className="empty">No posts yet.</p>;
  }
  return (
    <ul className="post-list">
      {posts.map((post) => (
        <li key={post.id}>
          <h2>{post.title}</h2>
          <time dateTime={post.created_at}>{new Date(post.created_at).toLocaleDateString()}</time>
          {post.video && (
            <button type="button" onClick={() => onSelectVideo(post.video)}>
              Watch video
            </button>
          )}
        </li>
      ))}
    </ul>
  );
}
`;

const videoPlayerJsx = `export function VideoPlayer({ video, onClose }) {
  return (
    <section className="video-player" aria-label={video.title}>
      <header>
        <h2>{video.title}</h2>
        <button type="button" onClick={onClose} aria-label="Close player">
          ×
        </button>
      </header>
      <video src={video.url} controls autoPlay width="640" />
    </section>
  );
}
`;

const packageJson = `{
  "name": "blogtube",
  "version": "0.3.0",
  "private": true,
  "type": "module",
  "scripts": {
    "start": "node api/server.js",
    "dev:web": "vite web",
    "test": "node --test",
    "lint": "eslint ."
  },
  "dependencies": {
    "express": "^4.21.0",
    "pg": "^8.13.0",
    "react": "^18.3.1",
    "react-dom": "^18.3.1"
  },
  "devDependencies": {
    "eslint": "^9.15.0",
    "vite": "^5.4.0"
  }
}
`;

const readme = `# BlogTube

A small blogging platform where posts can embed videos.

- \`api/\`: Express REST API (posts, videos)
- \`web/\`: React client
- \`db/\`: PostgreSQL schema and migrations
- \`deploy/\`: docker-compose and Kubernetes manifests
- \`docs/\`: developer documentation

## Running locally

\`\`\`sh
npm install
docker compose -f deploy/docker-compose.yml up -d db
DATABASE_URL=postgres://blogtube:blogtube@localhost:5432/blogtube npm start
\`\`\`
`;

const ciYml = `name: CI
on:
  push:
    branches: [main]
  pull_request:

jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-node@v4
        with:
          node-version: 20
          cache: npm
      - run: npm ci
      - run: npm run lint
      - run: npm test
`;

const dockerCompose = `services:
  db:
    image: postgres:16
    environment:
      POSTGRES_USER: blogtube
      POSTGRES_PASSWORD: blogtube
      POSTGRES_DB: blogtube
    ports:
      - '5432:5432'
    volumes:
      - ../db/migrations:/docker-entrypoint-initdb.d:ro

  api:
    build: ..
    command: npm start
    environment:
      PORT: '8080'
      DATABASE_URL: postgres://blogtube:blogtube@db:5432/blogtube
    ports:
      - '8080:8080'
    depends_on:
      - db
`;

const k8sDeployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: blogtube-api
  labels:
    app: blogtube-api
spec:
  replicas: 2
  selector:
    matchLabels:
      app: blogtube-api
  template:
    metadata:
      labels:
        app: blogtube-api
    spec:
      containers:
        - name: api
          image: ghcr.io/blogtube/blogtube-api:0.3.0
          ports:
            - containerPort: 8080
          env:
            - name: DATABASE_URL
              valueFrom:
                secretKeyRef:
                  name: blogtube-db
                  key: url
          readinessProbe:
            httpGet:
              path: /healthz
              port: 8080
`;

const docsReadme = `# BlogTube developer docs

- [API reference](api.md)
- Database: see \`db/schema.sql\`; every schema change ships as a numbered
  migration in \`db/migrations/\`.
- Deployment: \`deploy/docker-compose.yml\` for local work,
  \`deploy/k8s/\` for the cluster.

## Conventions

- Timestamps are stored as \`TIMESTAMPTZ\` and returned in ISO 8601.
- API errors are JSON objects: \`{ "error": "<code>" }\`.
`;

const apiMd = `# API reference

Base path: \`/api\`.

## Posts

| Method | Path         | Description                 |
| ------ | ------------ | --------------------------- |
| GET    | /posts       | Latest 50 published posts   |
| GET    | /posts/:id   | One post                    |
| POST   | /posts       | Create a post (authorId, title, body) |

## Videos

| Method | Path         | Description       |
| ------ | ------------ | ----------------- |
| GET    | /videos      | Latest 50 videos  |
| GET    | /videos/:id  | One video         |

## Health

\`GET /healthz\` returns \`{ "ok": true }\`.
`;

const agentsMd = `# Notes for coding agents

- Stay inside the paths your role owns (see \`.github/blogtube.yml\`).
- Database changes: add a new numbered file in \`db/migrations/\` and update
  \`db/schema.sql\`; never edit an existing migration.
- API routes live in \`api/routes/\`, one file per resource; validate input and
  return \`{ "error": "<code>" }\` with a 4xx status on bad requests.
- Web components are function components in \`web/src/components/\`.
- Document every new endpoint in \`docs/api.md\`.
- Keep changes small and focused on the issue.
`;

const blogtubeYml = `version: 1
trigger_label: blogtube
approval: none
limits:
  max_parallel_agents: 3
  max_turns: 12
agents:
  database: { paths: ["db/**"] }
  backend: { paths: ["api/**"], depends_on: [database] }
  frontend: { paths: ["web/**"], depends_on: [backend] }
  devops: { paths: ["deploy/**"], depends_on: [backend] }
  documentation: { paths: ["docs/**", "README.md"], depends_on: [database, backend, frontend, devops] }
`;

export const CLASSIC_SEED_COMMITS: readonly SeedCommit[] = [
  {
    message: 'Initial BlogTube app: API, web client and database schema\n',
    date: '2025-01-06T09:00:00Z',
    files: {
      'db/schema.sql': schemaSql,
      'db/migrations/001_init.sql': initMigration,
      'api/server.js': serverJs,
      'api/routes/posts.js': postsJs,
      'api/routes/videos.js': videosJs,
      'web/src/App.jsx': appJsx,
      'web/src/components/PostList.jsx': postListJsx,
      'web/src/components/VideoPlayer.jsx': videoPlayerJsx,
      'package.json': packageJson,
      'README.md': readme,
      '.github/workflows/ci.yml': ciYml,
    },
  },
  {
    message: 'Add deployment manifests, developer docs and agent configuration\n',
    date: '2025-01-07T10:30:00Z',
    files: {
      'deploy/docker-compose.yml': dockerCompose,
      'deploy/k8s/deployment.yaml': k8sDeployment,
      'docs/README.md': docsReadme,
      'docs/api.md': apiMd,
      'AGENTS.md': agentsMd,
      '.github/blogtube.yml': blogtubeYml,
    },
  },
];
