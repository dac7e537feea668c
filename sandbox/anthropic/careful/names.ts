/**
 * Names for a change, derived from the issue title the way an engineer names
 * a feature: "Add video chapters to posts" → `video-chapters` (files),
 * `videoChapters` (code, the table), `VideoChapters`, `VIDEO_CHAPTERS`.
 * Only [a-z0-9] survive, so untrusted titles cannot inject code or paths.
 */
const LEADING_VERBS = new Set([
  'add',
  'adds',
  'allow',
  'build',
  'create',
  'enable',
  'implement',
  'introduce',
  'let',
  'make',
  'new',
  'show',
  'support',
  'fix',
  'feature',
  'feat',
  'a',
  'an',
  'the',
]);
const STOP = new Set([
  'to',
  'for',
  'in',
  'on',
  'with',
  'of',
  'from',
  'into',
  'and',
  'or',
  'so',
  'that',
  'by',
  'at',
  'users',
  'user',
  'can',
]);

export interface ChangeNames {
  /** `video-chapters` */
  kebab: string;
  /** `videoChapters` */
  camel: string;
  /** `VideoChapters` */
  pascal: string;
  /** `VIDEO_CHAPTERS` */
  upper: string;
  /** `video chapters` */
  human: string;
}

function fromWords(words: readonly string[]): ChangeNames {
  const cap = (w: string): string => w.charAt(0).toUpperCase() + w.slice(1);
  return {
    kebab: words.join('-'),
    camel: words.map((w, i) => (i === 0 ? w : cap(w))).join(''),
    pascal: words.map(cap).join(''),
    upper: words.join('_').toUpperCase(),
    human: words.join(' '),
  };
}

/** The feature's words: after a leading verb, up to a preposition or punctuation, at most 3. */
export function featureWords(title: string): string[] {
  const head = title.toLowerCase().split(/[:;,.()[\]!?/"]|\s-\s/)[0] ?? '';
  const words = head.split(/\s+/).map((w) => w.replace(/[^a-z0-9]/g, ''));
  const out: string[] = [];
  for (const w of words) {
    if (w === '') continue;
    if (out.length === 0 && LEADING_VERBS.has(w)) continue;
    if (STOP.has(w)) {
      if (out.length > 0) break;
      continue;
    }
    out.push(w);
    if (out.length === 3) break;
  }
  // An identifier may not start with a digit.
  return out.length > 0 && /^[a-z]/.test(out[0] ?? '') ? out : [];
}

/**
 * Names for issue `number`'s change; `taken` are files already in the area
 * (a name that exists gets the issue number appended).
 */
export function changeNames(
  title: string,
  number: number,
  taken: (kebab: string) => boolean,
): ChangeNames {
  const words = featureWords(title);
  if (words.length === 0) return fromWords(['issue', String(number)]);
  const names = fromWords(words);
  return taken(names.kebab) ? fromWords([...words, String(number)]) : names;
}

/** A title safe to put in Markdown and in a JS string: letters, digits, spaces and light punctuation. */
export function plainTitle(title: string, max = 80): string {
  const plain = title
    .replace(/[^A-Za-z0-9 ,.:'-]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return plain.length > max ? `${plain.slice(0, max - 1).trimEnd()}…` : plain || 'the change';
}
