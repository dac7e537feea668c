/**
 * Issue analysis: type, complexity, risk and the crew of agents, each with the
 * reasons that led to it. A fast heuristic (microseconds), pure and
 * deterministic; it runs inside an activity so its answer is recorded in
 * history once per run.
 */
import picomatch from 'picomatch/posix.js';
import { AGENT_TYPES } from '../../../common/schemas.js';
import type { Analysis, AgentType, Complexity, IssueType, Risk } from '../../../common/schemas.js';
import type { ResolvedAgents } from '../../../common/repo-config.js';
import type { IssueTypeClassifier } from './issue-type.js';

export interface AnalyzerInput {
  title: string;
  body: string;
  labels: readonly string[];
}

const TYPE_WORDS: Record<Exclude<IssueType, 'question'>, RegExp> = {
  bug: /\b(bug|error|crash(es|ed)?|broken|fail(s|ed|ing|ure)?|exception|regression|wrong|not working|doesn'?t work|stack ?trace|500)\b/gi,
  feature:
    /\b(add|feature|support|implement|allow|new|enable|introduce|request|would be nice|proposal)\b/gi,
  documentation: /\b(docs?|documentation|readme|typo|guide|tutorial|explain in the docs)\b/gi,
  performance:
    /\b(slow|performance|latency|speed up|faster|memory leak|cpu|optimi[sz]e|n\+1|timeout)\b/gi,
};
const QUESTION_WORDS =
  /(\?\s*$|\b(how (do|can|to)|is it possible|why does|what is|question|help wanted)\b)/gim;

const LABEL_TYPES: Record<string, IssueType> = {
  bug: 'bug',
  enhancement: 'feature',
  feature: 'feature',
  question: 'question',
  documentation: 'documentation',
  docs: 'documentation',
  performance: 'performance',
};

const AREA_WORDS: Record<AgentType, RegExp> = {
  database:
    /\b(database|db|schema|migrations?|sql|table|columns?|index(es)?|query|queries|postgres(ql)?)\b/gi,
  backend:
    /\b(api|endpoints?|server|routes?|backend|auth(entication)?|controller|service|webhook|rest)\b/gi,
  frontend:
    /\b(ui|page|button|components?|css|frontend|react|layout|display|screen|form|player|view)\b/gi,
  devops:
    /\b(deploy(ment)?|docker|ci|kubernetes|k8s|pipeline|infra(structure)?|monitoring|helm|compose)\b/gi,
  documentation: /\b(docs?|documentation|readme|guide|changelog)\b/gi,
};

const RISK_WORDS = {
  high: /\b(security|vulnerab\w*|auth(entication|orization)?|passwords?|secrets?|tokens?|payment|billing|delete all|drop table|data loss|migration|production)\b/gi,
  medium: /\b(schema|deploy(ment)?|permissions?|cache|concurren\w*|upgrade)\b/gi,
};

const PATH_PATTERN = /\b[\w.-]+(?:\/[\w.-]+)+\.\w+\b/g;

function count(re: RegExp, text: string): number {
  return text.match(re)?.length ?? 0;
}

function classifyType(
  input: AnalyzerInput,
  text: string,
  reasons: string[],
  classifier: IssueTypeClassifier | undefined,
): { type: IssueType; confidence: number } {
  for (const label of input.labels) {
    const t = LABEL_TYPES[label.toLowerCase()];
    if (t) {
      reasons.push(`type ${t}: label "${label}"`);
      return { type: t, confidence: 0.95 };
    }
  }
  if (classifier) {
    const r = classifier.classify({ title: input.title, body: input.body });
    reasons.push(...r.reasons);
    return { type: r.type, confidence: Math.round(r.confidence * 100) / 100 };
  }
  return keywordType(text, input.title, reasons);
}

/** The fallback without a learned model: count type words. */
function keywordType(
  text: string,
  title: string,
  reasons: string[],
): { type: IssueType; confidence: number } {
  const scores: Record<IssueType, number> = {
    bug: count(TYPE_WORDS.bug, text),
    feature: count(TYPE_WORDS.feature, text),
    documentation: count(TYPE_WORDS.documentation, text) * 1.2,
    performance: count(TYPE_WORDS.performance, text) * 1.5,
    question: count(QUESTION_WORDS, title) * 2 + count(QUESTION_WORDS, text) * 0.5,
  };
  const ranked = (Object.entries(scores) as [IssueType, number][]).sort((a, b) => b[1] - a[1]);
  const [best, second] = ranked;
  if (!best || best[1] === 0) {
    reasons.push('type feature: no type words found (default)');
    return { type: 'feature', confidence: 0.4 };
  }
  const total = ranked.reduce((s, [, v]) => s + v, 0);
  const confidence = Math.min(0.95, 0.4 + 0.55 * ((best[1] - (second?.[1] ?? 0)) / total));
  reasons.push(`type ${best[0]}: ${best[1]} matching words (next: ${second?.[0]} ${second?.[1]})`);
  return { type: best[0], confidence: Math.round(confidence * 100) / 100 };
}

function pickAgents(
  text: string,
  type: IssueType,
  agents: ResolvedAgents,
  reasons: string[],
): AgentType[] {
  const chosen = new Set<AgentType>();
  const enabled = AGENT_TYPES.filter((a) => agents[a].enabled);
  for (const path of text.match(PATH_PATTERN) ?? []) {
    for (const a of enabled) {
      if (agents[a].paths.some((g) => picomatch(g, { dot: true })(path))) {
        if (!chosen.has(a)) reasons.push(`agent ${a}: file ${path} is in its paths`);
        chosen.add(a);
      }
    }
  }
  if (type === 'documentation') {
    if (chosen.size > 0) return AGENT_TYPES.filter((a) => chosen.has(a));
    if (enabled.includes('documentation')) {
      // Areas named in a docs issue are what to document, not what to change.
      reasons.push('agent documentation: a documentation issue names no file to change');
      return ['documentation'];
    }
  }
  for (const a of enabled) {
    const hits = count(AREA_WORDS[a], text);
    if (hits > 0 && !chosen.has(a)) {
      chosen.add(a);
      reasons.push(`agent ${a}: ${hits} mention(s) of its area`);
    }
  }
  if (chosen.size === 0) {
    for (const a of (['backend'] as const).filter((x) => enabled.includes(x))) {
      chosen.add(a);
      reasons.push(`agent ${a}: default crew for a ${type} issue with no area named`);
    }
  }
  if (type === 'feature' && chosen.size > 1 && enabled.includes('documentation')) {
    if (!chosen.has('documentation')) {
      reasons.push('agent documentation: a feature that spans areas is documented');
    }
    chosen.add('documentation');
  }
  return AGENT_TYPES.filter((a) => chosen.has(a));
}

function rateComplexity(text: string, agentCount: number, reasons: string[]): Complexity {
  const words = text.split(/\s+/).filter(Boolean).length;
  let c: Complexity = 'simple';
  if (agentCount >= 4 || words > 400) c = 'complex';
  else if (agentCount >= 2 || words > 120) c = 'moderate';
  reasons.push(`complexity ${c}: ${agentCount} agent(s), ${words} words`);
  return c;
}

function rateRisk(text: string, agents: readonly AgentType[], reasons: string[]): Risk {
  const high = text.match(RISK_WORDS.high) ?? [];
  if (high.length > 0) {
    reasons.push(
      `risk high: mentions ${[...new Set(high.map((h) => h.toLowerCase()))].join(', ')}`,
    );
    return 'high';
  }
  const medium = text.match(RISK_WORDS.medium) ?? [];
  if (medium.length > 0 || agents.includes('database') || agents.includes('devops')) {
    reasons.push(
      medium.length > 0
        ? `risk medium: mentions ${[...new Set(medium.map((m) => m.toLowerCase()))].join(', ')}`
        : 'risk medium: touches the database or deployment',
    );
    return 'medium';
  }
  reasons.push('risk low: no risky area or word');
  return 'low';
}

/**
 * Analyze an issue. The type comes from a maintainer's label, else the learned
 * classifier (activities/analysis/pure/issue-type.ts) when given, else type words.
 */
export function analyzeIssue(
  input: AnalyzerInput,
  agents: ResolvedAgents,
  classifier?: IssueTypeClassifier,
): Analysis {
  const reasons: string[] = [];
  const text = `${input.title}\n${input.body}`;
  const { type, confidence } = classifyType(input, text, reasons, classifier);
  const crew = pickAgents(text, type, agents, reasons);
  const complexity = rateComplexity(text, crew.length, reasons);
  const risk = rateRisk(text, crew, reasons);
  return { type, confidence, complexity, risk, agents: crew, reasons };
}
