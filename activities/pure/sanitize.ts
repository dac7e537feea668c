/**
 * Make untrusted text show a model what a human reader of GitHub saw: remove
 * content that renders invisibly (HTML comments, hidden elements, zero-width
 * and bidirectional control characters). Pure.
 */

const HTML_COMMENT = /<!--[\s\S]*?(-->|$)/g;
const HIDDEN_ELEMENT =
  /<(\w+)\b[^>]*\b(hidden|style\s*=\s*["'][^"']*(display\s*:\s*none|visibility\s*:\s*hidden)[^"']*["'])[^>]*>[\s\S]*?<\/\1\s*>/gi;
// Zero-width, bidi embedding/override/isolate marks, BOM, soft hyphen, tag characters.
const INVISIBLE =
  /[\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]|\udb40[\udc00-\udc7f]/g;
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g;

export function sanitizeUntrusted(text: string): string {
  return text
    .replace(HTML_COMMENT, '')
    .replace(HIDDEN_ELEMENT, '')
    .replace(INVISIBLE, '')
    .replace(CONTROL, '');
}

/** Cut text to at most `max` characters, saying so. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  return `${text.slice(0, max)}\n[… truncated ${text.length - max} characters]`;
}
