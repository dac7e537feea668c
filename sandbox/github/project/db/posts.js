/** Posts: title, body, an optional video URL. */
export function validatePost(input) {
  const errors = [];
  if (typeof input?.title !== 'string' || input.title.trim() === '')
    errors.push('title is required');
  if (typeof input?.title === 'string' && input.title.length > 200)
    errors.push('title is too long');
  if (input?.body !== undefined && typeof input.body !== 'string') errors.push('body must be text');
  if (input?.video !== undefined && !/^https:\/\//.test(String(input.video))) {
    errors.push('video must be an https URL');
  }
  return errors;
}

export function createPost(store, input) {
  const errors = validatePost(input);
  if (errors.length > 0) return { errors };
  const post = store.insert('posts', {
    title: input.title.trim(),
    body: input.body ?? '',
    video: input.video ?? null,
    createdAt: new Date(0).toISOString(),
  });
  return { post };
}

export function listPosts(store) {
  return store.all('posts').sort((a, b) => b.id - a.id);
}
