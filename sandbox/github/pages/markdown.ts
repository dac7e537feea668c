/**
 * Markdown as GitHub renders issue and comment bodies: GitHub-flavoured
 * Markdown (`marked`, hard line breaks as in comments), then an allowlist
 * sanitizer (`sanitize-html`) with rules like GitHub's: no script, style,
 * forms, frames or event handlers, HTML comments dropped, links nofollow.
 */
import { Marked } from 'marked';
import sanitizeHtml from 'sanitize-html';
import { trusted, type Html } from './html.js';

const marked = new Marked({ gfm: true, breaks: true });

const ALLOWED_TAGS = [
  ...['h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'p', 'br', 'hr', 'div', 'span', 'blockquote'],
  ...['b', 'i', 'strong', 'em', 's', 'strike', 'del', 'ins', 'sup', 'sub', 'mark', 'small'],
  ...['code', 'pre', 'kbd', 'samp', 'var', 'tt', 'q', 'cite', 'abbr', 'dfn', 'time', 'wbr'],
  ...['a', 'img', 'ul', 'ol', 'li', 'dl', 'dt', 'dd', 'details', 'summary', 'input'],
  ...['table', 'thead', 'tbody', 'tfoot', 'tr', 'th', 'td', 'caption', 'figure', 'figcaption'],
];

const OPTIONS: sanitizeHtml.IOptions = {
  allowedTags: ALLOWED_TAGS,
  allowedAttributes: {
    a: ['href', 'title', 'name', 'rel'],
    img: ['src', 'alt', 'title', 'width', 'height', 'align'],
    details: ['open'],
    input: ['type', 'checked', 'disabled'],
    th: ['align'],
    td: ['align'],
    ol: ['start'],
    code: ['class'],
  },
  allowedClasses: { code: [/^language-[\w-]+$/] },
  allowedSchemes: ['http', 'https', 'mailto'],
  allowedSchemesAppliedToAttributes: ['href', 'src'],
  allowProtocolRelative: false,
  // Task-list checkboxes only, never an editable form control.
  exclusiveFilter: (frame) => frame.tag === 'input' && frame.attribs.type !== 'checkbox',
  transformTags: {
    a: sanitizeHtml.simpleTransform('a', { rel: 'nofollow' }),
    input: (_tag, attribs) => ({
      tagName: 'input',
      attribs: { ...attribs, disabled: '' },
    }),
  },
};

export function renderMarkdown(source: string | null): Html {
  if (!source || source.trim() === '')
    return trusted('<p class="empty">No description provided.</p>');
  const unsafe = marked.parse(source, { async: false });
  return trusted(sanitizeHtml(unsafe, OPTIONS));
}
