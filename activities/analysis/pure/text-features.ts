/**
 * Turns an issue's title and body into a sparse, hashed feature vector for the
 * learned issue-type classifier. Pure and deterministic: no I/O, no clock, no
 * randomness. Features come in groups, each L2-normalised on its own, scaled by
 * its weight, then summed and normalised again:
 *
 * - `title`:     title words and word pairs, plus the title's first word;
 * - `body`:      words and word pairs of the body's prose (code blocks removed);
 * - `lead`:      the same for the body's first words, where templates put the
 *                issue kind and writers put their intent ("how can I", "add");
 * - `chars`:     character n-grams inside words of title and prose (off by
 *                default: cross-validation scored them lower);
 * - `headings`:  issue-template headings ("### Steps to reproduce"), a heading
 *                with its one-line answer ("issue type: bug"), known template phrases;
 * - `structure`: code blocks, stack traces, version strings, links, images,
 *                checklists, question marks, length;
 * - `code`:      identifiers inside fenced code blocks.
 *
 * Every feature name is hashed (FNV-1a, 32 bit) into a fixed dimension 2^bits.
 * HTML comments are removed first: issue templates hide their instructions in
 * them, and a reader of the issue never sees them.
 */

export interface IssueText {
  title: string;
  body: string;
}

export const FEATURE_GROUPS = [
  'title',
  'body',
  'lead',
  'chars',
  'headings',
  'structure',
  'code',
] as const;
export type FeatureGroup = (typeof FEATURE_GROUPS)[number];

export interface FeatureOptions {
  /** Dimension of the hashed space is 2^bits. */
  bits: number;
  /** Smallest and largest character n-gram, counted with the word-boundary marks. */
  charNgramMin: number;
  charNgramMax: number;
  /** Body text beyond this many characters (after comments are removed) is ignored. */
  maxBodyChars: number;
  /** Weight of each group; 0 turns a group off. */
  weights: Record<FeatureGroup, number>;
}

export const DEFAULT_FEATURE_OPTIONS: FeatureOptions = {
  bits: 18,
  charNgramMin: 3,
  charNgramMax: 5,
  maxBodyChars: 6000,
  weights: {
    title: 1,
    body: 1,
    lead: 0.5,
    chars: 0,
    headings: 1,
    structure: 0.5,
    code: 0.3,
  },
};

/** A sparse vector: parallel arrays of indices (distinct) and values. */
export interface SparseVector {
  indices: Int32Array;
  values: Float64Array;
}

// ---------------------------------------------------------------- hashing

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** Continue an FNV-1a hash over the UTF-16 code units of `s[start, end)`. */
export function fnvFeed(h: number, s: string, start = 0, end = s.length): number {
  let x = h;
  for (let i = start; i < end; i++) {
    x ^= s.charCodeAt(i);
    x = Math.imul(x, FNV_PRIME);
  }
  return x >>> 0;
}

/** FNV-1a of a whole string (32-bit, unsigned). */
export function fnv1a(s: string): number {
  return fnvFeed(FNV_OFFSET, s);
}

/** Spread FNV's weakly mixed low bits before masking (the murmur3 finaliser). */
function finish(h: number, mask: number): number {
  let x = h ^ (h >>> 16);
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return (x >>> 0) & mask;
}

const SEP = 0x1f;
function nsSeed(ns: string): number {
  return Math.imul(fnv1a(ns) ^ SEP, FNV_PRIME) >>> 0;
}
const SEED = {
  titleWord: nsSeed('t'),
  titleBigram: nsSeed('tt'),
  titleFirst: nsSeed('tf'),
  word: nsSeed('w'),
  leadWord: nsSeed('l'),
  leadBigram: nsSeed('ll'),
  bigram: nsSeed('ww'),
  char: nsSeed('c'),
  heading: nsSeed('h'),
  headingValue: nsSeed('hv'),
  template: nsSeed('tp'),
  structure: nsSeed('x'),
  code: nsSeed('k'),
};

// ---------------------------------------------------------------- text preparation

const HTML_COMMENT = /<!--[\s\S]*?(?:-->|$)/g;
const FENCE = /^[ \t]*(```|~~~)[^\n]*\n([\s\S]*?)(?:^[ \t]*\1[ \t]*$|(?![\s\S]))/gm;
const WORD = /[a-z0-9]+(?:['’][a-z]+)?/g;
const IDENT = /[a-z_][a-z0-9_]*/g;
const MAX_WORD = 25;
const LEAD_WORDS = 20;

/** Remove HTML comments (an unterminated comment runs to the end, as GitHub renders it). */
export function stripHtmlComments(text: string): string {
  return text.replace(HTML_COMMENT, '');
}

/** Lower-cased word tokens; digit runs collapse to "0", over-long tokens (hashes, base64) drop. */
export function tokenize(text: string): string[] {
  const out: string[] = [];
  for (const m of text.toLowerCase().matchAll(WORD)) {
    const w = m[0].replace('’', "'");
    if (w.length > MAX_WORD) continue;
    out.push(/^[0-9]+$/.test(w) ? '0' : w);
  }
  return out;
}

interface PreparedBody {
  prose: string;
  code: string[];
  full: string;
}

function prepareBody(body: string, maxChars: number): PreparedBody {
  const full = stripHtmlComments(body).replace(/\r\n?/g, '\n').slice(0, maxChars);
  const code: string[] = [];
  const prose = full.replace(FENCE, (_m, _f: string, inner: string) => {
    code.push(inner);
    return '\n';
  });
  return { prose, code, full };
}

// ---------------------------------------------------------------- feature collection

/** Collects hashed counts per group, and readable names when asked to. */
class Collector {
  readonly groups = new Map<FeatureGroup, Map<number, number>>();
  constructor(
    private readonly mask: number,
    private readonly names: Map<number, string> | undefined,
  ) {}

  addHash(group: FeatureGroup, h: number, name: (() => string) | undefined, count = 1): void {
    const idx = finish(h, this.mask);
    let g = this.groups.get(group);
    if (!g) {
      g = new Map();
      this.groups.set(group, g);
    }
    g.set(idx, (g.get(idx) ?? 0) + count);
    if (this.names && name && !this.names.has(idx)) this.names.set(idx, name());
  }

  /** Add feature `key`; its readable name is `${kind} "${key}"`, or `kind` alone when `bare`. */
  add(group: FeatureGroup, seed: number, key: string, kind: string, bare = false): void {
    const name = this.names ? () => (bare ? kind : `${kind} "${key}"`) : undefined;
    this.addHash(group, fnvFeed(seed, key), name);
  }

  get wantsNames(): boolean {
    return this.names !== undefined;
  }
}

function addWords(
  c: Collector,
  group: FeatureGroup,
  words: readonly string[],
  uni: number,
  bi: number,
  label: string,
): void {
  const kind = `${label}word`;
  for (let i = 0; i < words.length; i++) {
    const w = words[i] as string;
    c.add(group, uni, w, kind);
    if (i > 0) {
      const p = words[i - 1] as string;
      const h = fnvFeed(Math.imul(fnvFeed(bi, p) ^ 0x20, FNV_PRIME) >>> 0, w);
      c.addHash(group, h, c.wantsNames ? () => `${label}words "${p} ${w}"` : undefined);
    }
  }
}

function addCharNgrams(c: Collector, words: readonly string[], min: number, max: number): void {
  for (const word of words) {
    const s = `<${word}>`; // the marks tell prefixes and suffixes from inner parts
    for (let n = min; n <= max; n++) {
      for (let i = 0; i + n <= s.length; i++) {
        const h = fnvFeed(SEED.char, s, i, i + n);
        c.addHash('chars', h, c.wantsNames ? () => `word part "${s.slice(i, i + n)}"` : undefined);
      }
    }
  }
}

const ATX_HEADING = /^[ \t]{0,3}#{1,6}[ \t]+(.+?)[ \t#]*$/;
const BOLD_LEAD = /^[ \t]*\*\*(.{2,80}?)\*\*[ \t]*:?[ \t]*(.*)$/;
const FIELD = /^[ \t]*(?:[-*][ \t]+)?([A-Za-z][\w ()/'?.-]{1,50}?)[ \t]*:(?!\/\/)[ \t]*(.*)$/;
const MAX_ANSWER_WORDS = 3;

function normalizeHeading(text: string): string {
  return text
    .replace(/<[^>]*>/g, ' ')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim()
    .split(' ')
    .slice(0, 6)
    .join(' ');
}

/** A template heading (markdown heading, bold lead, "Field:") and what follows it on its line. */
function parseHeading(line: string): { heading: string; rest: string } | undefined {
  const m = line.match(ATX_HEADING) ?? line.match(BOLD_LEAD) ?? line.match(FIELD);
  if (!m) return undefined;
  const heading = normalizeHeading(m[1] ?? '');
  if (!heading || heading.split(' ').length > 8) return undefined;
  return { heading, rest: (m[2] ?? '').trim() };
}

/** Template phrases, wherever they appear (headings, bold text, plain lines). */
const TEMPLATE_PHRASES: readonly [string, RegExp][] = [
  ['describe the bug', /\bdescribe the bug\b/i],
  ['expected behavior', /\bexpected (?:behaviou?r|results?|outcome)\b/i],
  ['actual behavior', /\b(?:actual|current|observed) (?:behaviou?r|results?)\b/i],
  ['steps to reproduce', /\b(?:steps to reproduce|repro(?:duction)? steps|to reproduce)\b/i],
  ['feature request', /\bfeature request\b/i],
  ['is your feature request related', /\bis your feature request related\b/i],
  [
    'describe the solution',
    /\b(?:describe the solution|proposed solution|describe the feature)\b/i,
  ],
  ['alternatives', /\balternatives? (?:you'?ve )?considered\b/i],
  ['motivation', /\b(?:motivation|use case)\b/i],
  ['system information', /\b(?:system information|os platform|environment)\b/i],
  ['question', /^[ \t]*#{1,6}[ \t]*question\b/im],
  ['pull request checklist', /\bpull request readiness checklist\b/i],
];

function addHeadings(c: Collector, text: string): void {
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const parsed = parseHeading(lines[i] as string);
    if (!parsed) continue;
    const { heading } = parsed;
    c.add('headings', SEED.heading, heading, 'heading');
    // A short answer, on the same line or the next non-blank one: "issue type: bug".
    let answer = parsed.rest;
    if (!answer) {
      let n = i + 1;
      while (n < lines.length && (lines[n] as string).trim() === '') n++;
      const next = lines[n] ?? '';
      answer = ATX_HEADING.test(next) ? '' : next;
    }
    const a = normalizeHeading(answer);
    if (a && a.split(' ').length <= MAX_ANSWER_WORDS) {
      const key = `${heading}=${a}`;
      c.add('headings', SEED.headingValue, key, `heading "${heading}" answered "${a}"`, true);
    }
  }
  for (const [name, re] of TEMPLATE_PHRASES) {
    if (re.test(text)) c.add('headings', SEED.template, name, 'template phrase');
  }
}

const STACK_TRACE = [
  /^\s+at [\w$.<>[\]]+ \(.*:\d+(?::\d+)?\)/m,
  /^\s+at .*:\d+:\d+\s*$/m,
  /Traceback \(most recent call last\)/,
  /^\s*File ".*", line \d+/m,
  /\b(?:Segmentation fault|core dumped|terminate called|SIGSEGV|SIGABRT|panic:)/,
  /^#\d+\s+0x[0-9a-f]+ in /m,
];
const STRUCTURE: readonly [string, string, RegExp][] = [
  ['version', 'a version string', /\bv?\d+\.\d+\.\d+(?:[-.][\w.]+)?\b/],
  ['error-line', 'an "...Error:" line', /\b\w*(?:Error|Exception)\b:/],
  ['url', 'a link', /https?:\/\/\S+/],
  ['image', 'an image', /!\[[^\]]*\]\(|<img\b/i],
  ['checklist', 'a checklist', /^\s*[-*] \[[ xX]\]/m],
  ['numbered-list', 'a numbered list', /^\s*\d+[.)]\s+\S/m],
  ['inline-code', 'inline code', /`[^`\n]+`/],
  ['mention', 'an issue reference', /(?:^|\s)#\d+\b/],
];

function bucket(n: number): number {
  return n <= 0 ? 0 : Math.min(6, Math.floor(Math.log2(n)) + 1);
}

function addStructure(c: Collector, title: string, body: PreparedBody, words: number): void {
  const add = (key: string, name: string) => c.add('structure', SEED.structure, key, name, true);
  const t = title.trim();
  if (t.endsWith('?')) add('title-question-mark', 'title ends with "?"');
  if (/^\s*\[[^\]]+\]/.test(t)) add('title-tag', 'title starts with a [tag]');
  if (body.code.length > 0) add('code-block', 'a code block');
  if (body.code.length >= 3) add('code-blocks-3', 'three or more code blocks');
  if (STACK_TRACE.some((re) => re.test(body.full))) add('stack-trace', 'a stack trace');
  for (const [key, name, re] of STRUCTURE) if (re.test(body.full)) add(key, name);
  const questions = (body.prose.match(/\?(?:\s|$)/g) ?? []).length;
  add(`questions-${bucket(questions)}`, `${questions} question mark(s) in the body`);
  add(`length-${bucket(words)}`, `body length ~2^${bucket(words)} words`);
}

function addCode(c: Collector, code: readonly string[]): void {
  for (const block of code) {
    for (const m of block.toLowerCase().matchAll(IDENT)) {
      const w = m[0];
      if (w.length < 2 || w.length > MAX_WORD) continue;
      c.add('code', SEED.code, w, 'code');
    }
  }
}

/** The title's words without a leading [tag] such as "[Feature Request]". */
function titleFirstWord(title: string): string | undefined {
  return tokenize(title.replace(/^\s*(?:\[[^\]]*\]\s*:?\s*)+/, ''))[0];
}

/**
 * The feature vector of one issue. When `names` is given, it receives a
 * readable name for each index set (the first feature that hashed there).
 */
export function extractFeatures(
  issue: IssueText,
  options: FeatureOptions = DEFAULT_FEATURE_OPTIONS,
  names?: Map<number, string>,
): SparseVector {
  const mask = (1 << options.bits) - 1;
  const w = options.weights;
  const c = new Collector(mask, names);
  const body = prepareBody(issue.body, options.maxBodyChars);
  const title = stripHtmlComments(issue.title);
  const titleWords = tokenize(title);
  const proseWords = tokenize(body.prose);

  if (w.title > 0) {
    addWords(c, 'title', titleWords, SEED.titleWord, SEED.titleBigram, 'title ');
    const first = titleFirstWord(title);
    if (first) c.add('title', SEED.titleFirst, first, 'title starts with');
  }
  if (w.body > 0) addWords(c, 'body', proseWords, SEED.word, SEED.bigram, '');
  if (w.lead > 0) {
    const lead = proseWords.slice(0, LEAD_WORDS);
    addWords(c, 'lead', lead, SEED.leadWord, SEED.leadBigram, 'opening ');
  }
  if (w.chars > 0) {
    addCharNgrams(c, titleWords, options.charNgramMin, options.charNgramMax);
    addCharNgrams(c, proseWords, options.charNgramMin, options.charNgramMax);
  }
  if (w.headings > 0) addHeadings(c, body.prose);
  if (w.structure > 0) addStructure(c, title, body, proseWords.length);
  if (w.code > 0) addCode(c, body.code);

  const merged = new Map<number, number>();
  for (const group of FEATURE_GROUPS) {
    const counts = c.groups.get(group);
    if (!counts || w[group] <= 0) continue;
    let norm = 0;
    for (const [idx, tf] of counts) {
      const v = 1 + Math.log(tf);
      counts.set(idx, v);
      norm += v * v;
    }
    const scale = w[group] / Math.sqrt(norm);
    for (const [idx, v] of counts) merged.set(idx, (merged.get(idx) ?? 0) + v * scale);
  }
  return normalize(merged);
}

function normalize(m: Map<number, number>): SparseVector {
  const indices = new Int32Array(m.size);
  const values = new Float64Array(m.size);
  let norm = 0;
  for (const v of m.values()) norm += v * v;
  const inv = norm > 0 ? 1 / Math.sqrt(norm) : 0;
  let i = 0;
  for (const [idx, v] of m) {
    indices[i] = idx;
    values[i] = v * inv;
    i++;
  }
  return { indices, values };
}
