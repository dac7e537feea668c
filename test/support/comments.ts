/** GitHub's `issue_comment.created` delivery, as the tests send it to the bridge. */
import type { Stack } from './stack.js';

let nextId = 1;

export function deliverComment(stack: Stack, issue: number, body: string, login: string) {
  return stack.deliver('issue_comment', {
    action: 'created',
    issue: { number: issue, title: `Issue ${issue}`, body: '' },
    comment: { id: nextId++, body, user: { login, type: 'User' } },
    repository: { name: stack.repo, owner: { login: stack.owner } },
    sender: { login, type: 'User' },
  });
}
