// The triage skill's configuration: which label each rule suggests, and how titles are compared.
// Edit this table to change the triage; the skill reads nothing else. Label names are the ones the
// demo repository (and GitHub's default label set) already has, so applying them creates no new labels.

/** A rule suggests `label` when one of its patterns matches the issue's title, or its body. */
export interface LabelRule {
  label: string;
  /** Tested against the title. */
  title?: RegExp;
  /** Tested against the body (and the title, which is part of what the issue says). */
  body?: RegExp;
}

export const labelRules: readonly LabelRule[] = [
  {
    label: 'bug',
    title: /\b(bug|crash\w*|error|fails?|failing|broken|missing|does nothing|not working|doesn'?t work|unresponsive|never arrives?|not received|wrong|incorrect|goes negative|flaky|leak|returns no results|ignores)\b/i,
    body: /\b(bug|crash\w*|exception|typeerror|stack ?trace|regression|does nothing|nothing happens|not working|doesn'?t work|is dead|unresponsive|never arrives?|no email|returns? (a )?5\d\d|fails? (about|with|when)|finds nothing)\b/i,
  },
  {
    label: 'enhancement',
    title: /^(add|support|allow|implement|introduce|translate|dark mode)\b|\bfeature\b|\bsupport\s*$/i,
    body: /\b(feature request|would be (great|nice)|would make\b|customers ask for|we need a feature)\b/i,
  },
  {
    label: 'documentation',
    title: /\b(docs?|documentation|document|readme|typo|guide|tutorial)\b/i,
    body: /\b(the docs do not|docs should|readme says|add an example|document how)\b/i,
  },
  {
    label: 'question',
    title: /^(how|what|why|where|when|is it possible|can i|can we|does)\b|\?\s*$/i,
  },
  {
    label: 'performance',
    title: /\b(slow\w*|performance|latency|times? out|timeout|memory|leak|hangs?|oom)\b/i,
    body: /\b(slow\w*|times? out|timed out|timeout|oom[- ]killed|memory|\d+(\.\d+)?-?\d*\s?(s|ms|seconds) to|lazy-load\w*|without pagination|hangs?)\b/i,
  },
  {
    label: 'security',
    title: /\b(security|vulnerab\w*|xss|csrf|injection|cookie|rate limit\w*|brute[- ]force|password|login|auth\w*|secrets?|cve)\b/i,
    body: /\b(vulnerab\w*|xss|csrf|sql injection|httponly|samesite|spf record|unlimited attempts|leaks? (credentials|tokens?))\b/i,
  },
  {
    label: 'ui',
    title: /\b(button|mobile|layout|overlaps?|css|dark mode|theme|screen|icon|display|admin panel)\b/i,
    body: /\b(page jumps|overlaps?|screens? under|css|layout|icon covers)\b/i,
  },
  {
    label: 'api',
    title: /\b(api|endpoint|webhooks?|graphql|rest)\b/i,
    body: /\b(endpoint|\/api\/|webhooks?|graphql)\b/i,
  },
];

/** Words left out when titles are compared: they say nothing about what an issue is about. */
export const stopWords: ReadonlySet<string> = new Set(
  (
    'a an the and or of to in on at for with from by is are was were be been it its this that these those not no do does did ' +
    'can could should would will i we you they my our your their as if when than then so but into via after before about more ' +
    'most very any all some there here what which who how why same others other'
  ).split(' '),
);

/** Words that mean the same thing in issue titles, mapped to one spelling (after stemming). */
export const synonyms: Readonly<Record<string, string>> = { mail: 'email', 'e-mail': 'email', doc: 'documentation', docs: 'documentation' };

/** Two open issues whose titles score at least this (Dice coefficient of their word sets) are likely duplicates. */
export const defaultSimilarity = 0.5;

/** Issues not updated for this many days are stale. */
export const defaultStaleDays = 90;

/** Titles in the table are cut to this many characters. */
export const titleWidth = 48;
