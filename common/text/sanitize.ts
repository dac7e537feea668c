/**
 * Make untrusted text show a model what a human reader of GitHub saw: remove
 * content that renders invisibly. Each kind has its own step:
 *
 * - HTML comments (`<!-- … -->`, also unclosed: the rest is hidden),
 *   declarations, CDATA sections and processing instructions;
 * - hidden elements: the `hidden` attribute, `style` with `display:none` or
 *   `visibility:hidden`, `<input type="hidden">`, and elements whose content
 *   is never rendered (`<script>`, `<style>`, `<template>`, `<noscript>`),
 *   nested elements included; an unclosed one hides the rest of the text;
 * - markdown comments (`[//]: # (…)`, `[comment]: <> (…)`: link reference
 *   definitions that render as nothing);
 * - image alt text and link titles (`![alt](src "title")`, `<img alt=…>`),
 *   which a reader does not see while the image shows;
 * - zero-width, bidirectional control, tag and other invisible characters,
 *   and ASCII control characters other than tab and newlines.
 *
 * What a reader can open (`<details>`) stays. Pure.
 */

const HTML_COMMENT = /<!--[\s\S]*?(?:-->|$)/g;
/** Declarations, CDATA and processing instructions: parsed, never shown. */
const HTML_DECLARATION =
  /<!\[CDATA\[[\s\S]*?(?:\]\]>|$)|<![A-Za-z][^>]*(?:>|$)|<\?[\s\S]*?(?:>|$)/g;
// Zero-width, bidi embedding/override/isolate marks, BOM, soft hyphen, invisible
// operators, combining grapheme joiner, Mongolian vowel separator, Hangul fillers,
// interlinear annotation, tag characters.
const INVISIBLE =
  /[\u00ad\u115f\u1160\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\u3164\ufeff\uffa0\ufff9-\ufffb]|\udb40[\udc00-\udc7f]|\u034f/g;
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g;
/** `[//]: # (text)`, `[comment]: <> (text)`, `[x]: # "text"`: render as nothing. */
const MARKDOWN_COMMENT = /^[ \t]{0,3}\[[^\]\n]*\]:[ \t]*(?:#|<>)(?:[ \t]+.*)?$/gm;
/** `![alt](src "title")`: keep the image, drop what only a missing image would show. */
const MARKDOWN_IMAGE =
  /!\[[^\]\n]*\]\(\s*(<[^>\n]*>|[^\s)]*)(?:\s+(?:"[^"\n]*"|'[^'\n]*'|\([^)\n]*\)))?\s*\)/g;
/** A link's hover title: `[text](href "title")`. */
const LINK_TITLE = /\]\(\s*(<[^>\n]*>|[^\s)]*)\s+(?:"[^"\n]*"|'[^'\n]*'|\([^)\n]*\))\s*\)/g;
const START_TAG = /<([A-Za-z][A-Za-z0-9-]*)\b((?:[^>"']|"[^"]*"|'[^']*')*)>/g;
const NEVER_RENDERED = new Set(['script', 'style', 'template', 'noscript']);
const VOID = new Set(['br', 'hr', 'img', 'input', 'meta', 'link', 'source', 'wbr', 'area', 'col']);

const ATTRIBUTE = /([^\s"'>/=]+)(?:\s*=\s*("[^"]*"|'[^']*'|[^\s"'>]+))?/g;

/** An attribute's value ('' when present without one), or undefined when absent. */
function attr(attrs: string, name: string): string | undefined {
  for (const m of attrs.matchAll(ATTRIBUTE)) {
    if ((m[1] ?? '').toLowerCase() !== name) continue;
    const v = m[2] ?? '';
    return v.startsWith('"') || v.startsWith("'") ? v.slice(1, -1) : v;
  }
  return undefined;
}

function isHiddenElement(tag: string, attrs: string): boolean {
  if (NEVER_RENDERED.has(tag)) return true;
  if (attr(attrs, 'hidden') !== undefined) return true;
  if (tag === 'input' && attr(attrs, 'type')?.toLowerCase() === 'hidden') return true;
  const style = (attr(attrs, 'style') ?? '').toLowerCase().replace(/\s+/g, '');
  return style.includes('display:none') || style.includes('visibility:hidden');
}

/** Index just past the end tag closing the element opened before `from`, or the text's end. */
function elementEnd(text: string, tag: string, from: number): number {
  const re = new RegExp(`<(/?)${tag}\\b(?:[^>"']|"[^"]*"|'[^']*')*>`, 'gi');
  re.lastIndex = from;
  let depth = 1;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const selfClosing = m[0].endsWith('/>');
    if (m[1] === '/') depth--;
    else if (!selfClosing) depth++;
    if (depth === 0) return re.lastIndex;
  }
  return text.length;
}

function removeHiddenElements(text: string): string {
  let out = '';
  let at = 0;
  START_TAG.lastIndex = 0;
  for (let m = START_TAG.exec(text); m; m = START_TAG.exec(text)) {
    const tag = (m[1] ?? '').toLowerCase();
    const attrs = m[2] ?? '';
    if (!isHiddenElement(tag, attrs)) continue;
    out += text.slice(at, m.index);
    const selfClosing = attrs.trimEnd().endsWith('/') || VOID.has(tag);
    at = selfClosing ? START_TAG.lastIndex : elementEnd(text, tag, START_TAG.lastIndex);
    START_TAG.lastIndex = at;
  }
  return out + text.slice(at);
}

/** `<img … alt="…" title="…">`: the attributes a reader does not see go. */
function stripImageText(text: string): string {
  return text.replace(/<img\b((?:[^>"']|"[^"]*"|'[^']*')*)>/gi, (_m, attrs: string) => {
    const kept = attrs.replace(
      /\s(?:alt|title|aria-label)\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'>]+)/gi,
      '',
    );
    return `<img${kept}>`;
  });
}

/**
 * Applied until nothing changes (bounded), so that removing one thing cannot
 * assemble another (`<di<!-- -->v hidden>`): the result is a fixed point.
 */
export function sanitizeUntrusted(text: string): string {
  let current = text;
  for (let pass = 0; pass < 8; pass++) {
    const next = sanitizeOnce(current);
    if (next === current) return next;
    current = next;
  }
  return current;
}

function sanitizeOnce(text: string): string {
  // Invisible characters first: they could otherwise split a marker below.
  let t = text.replace(INVISIBLE, '').replace(CONTROL, '');
  t = t.replace(HTML_COMMENT, '').replace(HTML_DECLARATION, '');
  t = removeHiddenElements(t);
  t = t.replace(MARKDOWN_COMMENT, '');
  t = t.replace(MARKDOWN_IMAGE, (_m, src: string) => `![](${src})`);
  t = t.replace(LINK_TITLE, (_m, href: string) => `](${href})`);
  return stripImageText(t);
}

/** Cut text to at most `max` characters, saying so. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  return `${text.slice(0, max)}\n[… truncated ${text.length - max} characters]`;
}
