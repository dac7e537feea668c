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
 * - attributes of visible elements (`title`, `alt`, `aria-label`, `data-*`,
 *   …): a reader does not see them; only `href`, `src` and `open` stay;
 * - link reference definitions (`[x]: <any destination> "title"`, including
 *   the `[//]: # (…)` comment idiom): they render as nothing;
 * - image alt text and link titles (`![alt](src "title")`), which a reader
 *   does not see while the image shows;
 * - zero-width, bidirectional control, variation selector, tag and other
 *   invisible characters, and ASCII control characters other than tab and
 *   newlines.
 *
 * What a reader can open (`<details>`) stays. Pure.
 *
 * Linear time by construction: the regular expressions left are single
 * character classes, or anchored at line starts and bounded by the line, or
 * consume what they scan (a comment runs to its end or the text's end); tags
 * and links are read by scanners whose searches for the next `>`, quote or
 * bracket are memoised (a search from a later start inside an earlier one's
 * span reuses its answer), and a tag is read for at most MAX_TAG characters
 * (a longer one is taken for an unclosed hidden element: the rest goes).
 */

const HTML_COMMENT = /<!--[\s\S]*?(?:-->|$)/g;
/** Declarations, CDATA and processing instructions: parsed, never shown. */
const HTML_DECLARATION =
  /<!\[CDATA\[[\s\S]*?(?:\]\]>|$)|<![A-Za-z][^>]*(?:>|$)|<\?[\s\S]*?(?:>|$)/g;
// Zero-width, bidi embedding/override/isolate marks, BOM, soft hyphen, invisible
// operators, combining grapheme joiner, Mongolian vowel separator and free
// variation selectors, Hangul fillers, interlinear annotation, variation
// selectors (FE00-FE0F and the supplement E0100-E01EF), tag characters (E0000-E007F).
const INVISIBLE =
  // eslint-disable-next-line no-misleading-character-class -- each selector is matched on its own, on purpose
  /[\u00ad\u115f\u1160\u180b-\u180f\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff9-\ufffb]|\udb40[\udc00-\udc7f\udd00-\uddef]|\u034f/g;
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g;
/**
 * A link reference definition, whatever its destination (`[docs]: https://…`,
 * `[//]: # (text)`), with a title on the next line: renders as nothing.
 */
const DEFINITION =
  /^[ \t]{0,3}\[[^\]\n]*\]:[^\n]*(?:\n[ \t]*(?:"[^"\n]*"|'[^'\n]*'|\([^)\n]*\))[ \t]*(?=\n|$))?/gm;
const NEVER_RENDERED = new Set(['script', 'style', 'template', 'noscript']);
const VOID = new Set(['br', 'hr', 'img', 'input', 'meta', 'link', 'source', 'wbr', 'area', 'col']);
/** What a reader sees of an element's attributes: where a link goes, what an image shows, an open `<details>`. */
const VISIBLE_ATTRIBUTES = new Set(['href', 'src', 'open']);
/** The longest tag read; a longer one hides the rest of the text. */
const MAX_TAG = 4096;

/**
 * The first index ≥ i of a character `re` (one character class, global)
 * matches, or -1. Memoised: no match lies between the last query and its
 * answer, so a query inside that span is answered at once.
 */
class Finder {
  private from = 1;
  private found = 0;
  constructor(
    private readonly text: string,
    private readonly re: RegExp,
  ) {}
  at(i: number): number {
    if (i >= this.from && i <= this.found) return this.found === this.text.length ? -1 : this.found;
    this.re.lastIndex = i;
    const m = this.re.exec(this.text);
    this.from = i;
    this.found = m ? m.index : this.text.length;
    return m ? m.index : -1;
  }
}

interface Attribute {
  name: string;
  value: string | undefined;
  raw: string;
}
interface Tag {
  name: string;
  closing: boolean;
  selfClosing: boolean;
  attrs: Attribute[];
  end: number;
}

const isSpace = (c: string | undefined) =>
  c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f';
const isAlpha = (c: string | undefined) => c !== undefined && /^[A-Za-z]$/.test(c);
const TAG_NAME_CHAR = /^[A-Za-z0-9-]$/;
const ATTR_START = /^[A-Za-z_:]$/;
const ATTR_CHAR = /^[A-Za-z0-9_.:-]$/;
const UNQUOTED_STOP = /^[\s"'=<>`]$/;

/** Reads raw HTML as CommonMark does; each search for a quote is memoised. */
class TagReader {
  private readonly quote: Record<string, Finder>;
  constructor(private readonly text: string) {
    this.quote = { '"': new Finder(text, /"/g), "'": new Finder(text, /'/g) };
  }

  /** The tag starting at `at` (a `<`); undefined when it is not one; 'too long' past MAX_TAG. */
  read(at: number): Tag | undefined | 'too long' {
    const t = this.text;
    let i = at + 1;
    const closing = t[i] === '/';
    if (closing) i++;
    if (!isAlpha(t[i])) return undefined;
    const nameStart = i;
    while (i < t.length && TAG_NAME_CHAR.test(t[i] ?? '')) i++;
    const name = t.slice(nameStart, i).toLowerCase();
    const attrs: Attribute[] = [];
    for (;;) {
      if (i - at > MAX_TAG) return 'too long';
      const wsStart = i;
      while (isSpace(t[i])) i++;
      if (t[i] === '>') return { name, closing, selfClosing: false, attrs, end: i + 1 };
      if (!closing && t[i] === '/' && t[i + 1] === '>')
        return { name, closing, selfClosing: true, attrs, end: i + 2 };
      if (closing || i === wsStart || !ATTR_START.test(t[i] ?? '')) return undefined;
      const attrStart = i;
      while (i < t.length && ATTR_CHAR.test(t[i] ?? '')) i++;
      const attrName = t.slice(attrStart, i).toLowerCase();
      let j = i;
      while (isSpace(t[j])) j++;
      let value: string | undefined;
      if (t[j] === '=') {
        j++;
        while (isSpace(t[j])) j++;
        const q = t[j] ?? '';
        if (q === '"' || q === "'") {
          const close = this.quote[q]?.at(j + 1) ?? -1;
          if (close === -1) return undefined;
          value = t.slice(j + 1, close);
          j = close + 1;
        } else {
          const valueStart = j;
          while (j < t.length && !UNQUOTED_STOP.test(t[j] ?? '')) j++;
          if (j === valueStart) return undefined;
          value = t.slice(valueStart, j);
        }
        i = j;
      }
      attrs.push({ name: attrName, value, raw: t.slice(attrStart, i) });
    }
  }
}

function isHiddenElement(tag: Tag): boolean {
  if (NEVER_RENDERED.has(tag.name)) return true;
  const get = (n: string) => tag.attrs.find((a) => a.name === n);
  if (get('hidden')) return true;
  if (tag.name === 'input' && get('type')?.value?.toLowerCase() === 'hidden') return true;
  const style = (get('style')?.value ?? '').toLowerCase().replace(/\s+/g, '');
  return style.includes('display:none') || style.includes('visibility:hidden');
}

/** A visible element's start tag with only what a reader sees of it. */
function visibleTag(tag: Tag): string {
  const kept = tag.attrs.filter((a) => VISIBLE_ATTRIBUTES.has(a.name)).map((a) => ` ${a.raw}`);
  return `<${tag.name}${kept.join('')}${tag.selfClosing ? ' /' : ''}>`;
}

/** Hidden elements go; visible elements keep only their visible attributes. */
function cleanHtml(text: string): string {
  const reader = new TagReader(text);
  let out = '';
  let at = 0;
  for (let i = text.indexOf('<'); i !== -1; i = text.indexOf('<', Math.max(at, i + 1))) {
    const tag = reader.read(i);
    if (tag === undefined || (tag !== 'too long' && tag.closing)) continue;
    out += text.slice(at, i);
    if (tag === 'too long') return out;
    if (!isHiddenElement(tag)) {
      out += visibleTag(tag);
      at = tag.end;
    } else if (tag.selfClosing || VOID.has(tag.name)) {
      at = tag.end;
    } else {
      const end = elementEnd(text, reader, tag.name, tag.end);
      if (end === undefined) return out;
      at = end;
    }
  }
  return out + text.slice(at);
}

/** Index just past the end tag closing the element opened before `from`; undefined: never closed. */
function elementEnd(
  text: string,
  reader: TagReader,
  name: string,
  from: number,
): number | undefined {
  let depth = 1;
  for (let i = text.indexOf('<', from); i !== -1; i = text.indexOf('<', i + 1)) {
    const tag = reader.read(i);
    if (tag === 'too long') return undefined;
    if (tag === undefined || tag.name !== name) continue;
    if (tag.closing) depth--;
    else if (!tag.selfClosing) depth++;
    if (depth === 0) return tag.end;
    i = tag.end - 1;
  }
  return undefined;
}

interface Destination {
  dest: string;
  title: boolean;
  /** Index just past the closing `)`. */
  end: number;
}

/** Reads `(dest "title")` as CommonMark does (one line); each search is memoised. */
class LinkReader {
  private readonly angle: Finder;
  private readonly plainEnd: Finder;
  private readonly titleEnd: Record<string, Finder>;
  constructor(private readonly text: string) {
    this.angle = new Finder(text, /[>\n]/g);
    this.plainEnd = new Finder(text, /[\s)]/g);
    this.titleEnd = {
      '"': new Finder(text, /["\n]/g),
      "'": new Finder(text, /['\n]/g),
      '(': new Finder(text, /[)\n]/g),
    };
  }

  /** The destination starting at `at` (just past `(`), or undefined. */
  read(at: number): Destination | undefined {
    const t = this.text;
    let i = at;
    while (t[i] === ' ' || t[i] === '\t' || t[i] === '\n') i++;
    let dest: string;
    if (t[i] === '<') {
      const close = this.angle.at(i + 1);
      if (close === -1 || t[close] !== '>') return undefined;
      dest = t.slice(i, close + 1);
      i = close + 1;
    } else {
      const stop = this.plainEnd.at(i);
      const end = stop === -1 ? t.length : stop;
      dest = t.slice(i, end);
      i = end;
    }
    const wsStart = i;
    while (t[i] === ' ' || t[i] === '\t' || t[i] === '\n') i++;
    let title = false;
    const open = t[i] ?? '';
    if (i > wsStart && (open === '"' || open === "'" || open === '(')) {
      const close = this.titleEnd[open]?.at(i + 1) ?? -1;
      if (close === -1 || t[close] === '\n') return undefined;
      title = true;
      i = close + 1;
      while (t[i] === ' ' || t[i] === '\t' || t[i] === '\n') i++;
    }
    if (t[i] !== ')') return undefined;
    return { dest, title, end: i + 1 };
  }
}

/** `![alt](src "title")` → `![](src)`: what only a missing image would show goes. */
function cleanImages(text: string): string {
  const links = new LinkReader(text);
  const altEnd = new Finder(text, /[\]\n]/g);
  let out = '';
  let at = 0;
  for (let i = text.indexOf('!['); i !== -1; i = text.indexOf('![', Math.max(at, i + 2))) {
    const close = altEnd.at(i + 2);
    if (close === -1 || text[close] !== ']' || text[close + 1] !== '(') continue;
    const d = links.read(close + 2);
    if (!d) continue;
    out += `${text.slice(at, i)}![](${d.dest})`;
    at = d.end;
  }
  return out + text.slice(at);
}

/** `[text](href "title")` → `[text](href)`: the hover title goes. */
function cleanLinkTitles(text: string): string {
  const links = new LinkReader(text);
  let out = '';
  let at = 0;
  for (let i = text.indexOf(']('); i !== -1; i = text.indexOf('](', Math.max(at, i + 2))) {
    const d = links.read(i + 2);
    if (!d?.title) continue;
    out += `${text.slice(at, i)}](${d.dest})`;
    at = d.end;
  }
  return out + text.slice(at);
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
  t = cleanHtml(t);
  t = t.replace(DEFINITION, '');
  t = cleanImages(t);
  return cleanLinkTitles(t);
}

/** Cut text to at most `max` characters, saying so. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  return `${text.slice(0, max)}\n[… truncated ${text.length - max} characters]`;
}
