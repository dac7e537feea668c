import { describe, expect, it } from '@jest/globals';
import { parseCommand, routeWebhook } from '../../client/pure/webhook-router.js';

const base = {
  issue: { number: 4, title: 'T', body: 'B' },
  repository: { name: 'blogtube', owner: { login: 'blogtube' } },
  sender: { login: 'sandbox-maintainer', type: 'User' },
};
const ref = { owner: 'blogtube', repo: 'blogtube', number: 4 };

describe('webhook router', () => {
  it('starts on issues.opened and on the trigger label', () => {
    expect(routeWebhook('issues', { ...base, action: 'opened' }, 'blogtube')).toEqual({
      kind: 'start',
      ref,
      sender: 'sandbox-maintainer',
      issue: { title: 'T', body: 'B' },
    });
    expect(
      routeWebhook(
        'issues',
        { ...base, action: 'labeled', label: { name: 'blogtube' } },
        'blogtube',
      ).kind,
    ).toBe('start');
    expect(
      routeWebhook('issues', { ...base, action: 'labeled', label: { name: 'bug' } }, 'blogtube')
        .kind,
    ).toBe('ignore');
  });

  it('forwards edits and new comments', () => {
    expect(routeWebhook('issues', { ...base, action: 'edited' }, 'x').kind).toBe('edit');
    const comment = { id: 9, body: 'hi', user: { login: 'u' } };
    expect(routeWebhook('issue_comment', { ...base, action: 'created', comment }, 'x')).toEqual({
      kind: 'comment',
      ref,
      id: 9,
      author: 'u',
      body: 'hi',
    });
  });

  it('stops the run when the issue is closed, transferred or deleted, saying by whom', () => {
    for (const action of ['closed', 'transferred', 'deleted']) {
      expect(routeWebhook('issues', { ...base, action }, 'x')).toEqual({
        kind: 'stop',
        ref,
        sender: 'sandbox-maintainer',
        reason: `the issue was ${action} by sandbox-maintainer`,
      });
    }
    expect(routeWebhook('issues', { ...base, action: 'reopened' }, 'x').kind).toBe('ignore');
  });

  it('ignores bots, pull requests, other events and malformed payloads', () => {
    expect(
      routeWebhook(
        'issues',
        { ...base, action: 'opened', sender: { login: 'sandbox-bot', type: 'Bot' } },
        'x',
      ).kind,
    ).toBe('ignore');
    expect(
      routeWebhook(
        'issues',
        { ...base, action: 'opened', sender: { login: 'dependabot[bot]' } },
        'x',
      ).kind,
    ).toBe('ignore');
    expect(
      routeWebhook(
        'issue_comment',
        {
          ...base,
          action: 'created',
          issue: { ...base.issue, pull_request: {} },
          comment: { id: 1, user: { login: 'u' } },
        },
        'x',
      ).kind,
    ).toBe('ignore');
    expect(routeWebhook('push', {}, 'x').kind).toBe('ignore');
    expect(routeWebhook('issues', { action: 'opened' }, 'x').kind).toBe('ignore');
    expect(routeWebhook('issues', null, 'x').kind).toBe('ignore');
    expect(routeWebhook('ping', {}, 'x')).toEqual({ kind: 'pong' });
  });

  it('reads maintainers’ comment commands', () => {
    expect(parseCommand('/blogtube approve')).toEqual({ name: 'approve', arg: '' });
    expect(parseCommand('LGTM\n/blogtube reject  too broad ')).toEqual({
      name: 'reject',
      arg: 'too broad',
    });
    expect(parseCommand('/BlogTube Cancel')).toEqual({ name: 'cancel', arg: '' });
    expect(parseCommand('please /blogtube approve')).toBeUndefined();
    expect(parseCommand('/blogtube approved')).toBeUndefined();
    const comment = { id: 9, body: '/blogtube run', user: { login: 'u' } };
    expect(
      routeWebhook('issue_comment', { ...base, action: 'created', comment }, 'x'),
    ).toMatchObject({
      kind: 'comment',
      command: { name: 'run', arg: '' },
    });
  });
});
