/** The web part: server-rendered HTML, every value escaped. */
export function escapeHtml(text) {
  return String(text)
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

export function renderPost(post) {
  const video = post.video ? `<a class="video" href="${escapeHtml(post.video)}">Watch</a>` : '';
  return `<article><h2>${escapeHtml(post.title)}</h2><p>${escapeHtml(post.body)}</p>${video}</article>`;
}

export function renderIndex(posts) {
  const items = posts.length === 0 ? '<p>No posts yet.</p>' : posts.map(renderPost).join('\n');
  return `<!doctype html><html><head><title>BlogTube</title></head><body><h1>BlogTube</h1>\n${items}\n</body></html>`;
}
