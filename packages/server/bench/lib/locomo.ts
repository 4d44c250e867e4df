// LoCoMo conversations (Maharana et al., 2024) as Cortex memories and recall questions.
// See shared/eval/README.md for the procedure: one memory per dialog turn, questions of
// categories 1-4 with their evidence turns.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const CATEGORIES = { 1: 'multi-hop', 2: 'temporal', 3: 'open-domain', 4: 'single-hop' } as const;
export type Category = keyof typeof CATEGORIES;

export interface Turn {
  readonly id: string;
  readonly speaker: string;
  readonly text: string;
  readonly blipCaption?: string;
  readonly session: number;
  readonly sessionDate: string;
  /** The session's date as an instant (UTC), when its text parses. */
  readonly sessionTime?: Date;
}

export interface Question {
  readonly question: string;
  readonly category: Category;
  /** Evidence turn ids present in the conversation (sanitised like memory ids). */
  readonly evidence: readonly string[];
}

export interface Conversation {
  readonly name: string;
  readonly speakers: readonly [string, string];
  readonly turns: readonly Turn[];
  readonly questions: readonly Question[];
  /** Evidence references that name no turn of the conversation (typos in the data set); left out. */
  readonly unresolvedEvidence: readonly string[];
  /** Questions of categories 1-4 left out because none of their evidence names a turn. */
  readonly questionsWithoutEvidence: number;
}

interface RawTurn {
  readonly speaker: string;
  readonly dia_id: string;
  readonly text: string;
  readonly blip_caption?: string;
}

interface RawQa {
  readonly question: string;
  readonly category: number;
  readonly evidence?: readonly string[];
}

/** Memory ids allow [A-Za-z0-9._:-]; anything else becomes '_'. */
export function sanitizeId(raw: string): string {
  return raw.trim().replace(/[^A-Za-z0-9._:-]/g, '_').slice(0, 128);
}

/** LoCoMo's free-text fields (speaker names, session dates) are strings where present. */
function textOrEmpty(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function isCategory(value: number): value is Category {
  return value === 1 || value === 2 || value === 3 || value === 4;
}

const MONTHS = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'];

/** LoCoMo writes session dates as "1:56 pm on 8 May, 2023"; read as UTC. */
export function parseSessionDate(text: string): Date | undefined {
  const match = /^(\d{1,2}):(\d{2})\s*(am|pm)\s+on\s+(\d{1,2})\s+([A-Za-z]+),?\s+(\d{4})$/i.exec(text.trim());
  if (match === null) return undefined;
  const [, hour, minute, half, day, month, year] = match;
  const monthIndex = MONTHS.indexOf(month!.toLowerCase());
  if (monthIndex === -1) return undefined;
  const hours = (Number(hour) % 12) + (half!.toLowerCase() === 'pm' ? 12 : 0);
  return new Date(Date.UTC(Number(year), monthIndex, Number(day), hours, Number(minute)));
}

export function loadConversation(path: string, name: string): Conversation {
  const raw = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  const turns: Turn[] = [];
  const sessions = Object.keys(raw)
    .map((key) => /^session_(\d+)$/.exec(key))
    .filter((m): m is RegExpExecArray => m !== null && Array.isArray(raw[m[0]]))
    .map((m) => Number(m[1]))
    .sort((a, b) => a - b);
  for (const session of sessions) {
    const sessionDate = textOrEmpty(raw[`session_${session}_date_time`]);
    const sessionTime = parseSessionDate(sessionDate);
    for (const turn of raw[`session_${session}`] as RawTurn[]) {
      turns.push({
        id: sanitizeId(turn.dia_id),
        speaker: turn.speaker,
        text: turn.text,
        ...(turn.blip_caption ? { blipCaption: turn.blip_caption } : {}),
        session,
        sessionDate,
        ...(sessionTime ? { sessionTime } : {}),
      });
    }
  }
  const known = new Set(turns.map((t) => t.id));
  const unresolvedEvidence: string[] = [];
  const questions: Question[] = [];
  let questionsWithoutEvidence = 0;
  for (const qa of (raw.qa ?? []) as RawQa[]) {
    if (!isCategory(qa.category)) continue;
    // A few entries pack several ids into one string ("D8:6; D9:17").
    const refs = (qa.evidence ?? []).flatMap((e) => e.split(/[;,\s]+/)).filter((e) => e !== '').map(sanitizeId);
    const evidence = [...new Set(refs.filter((id) => known.has(id)))];
    unresolvedEvidence.push(...refs.filter((id) => !known.has(id)));
    if (evidence.length === 0) {
      questionsWithoutEvidence += 1;
      continue;
    }
    questions.push({ question: qa.question, category: qa.category, evidence });
  }
  return {
    name,
    speakers: [textOrEmpty(raw.speaker_a), textOrEmpty(raw.speaker_b)],
    turns,
    questions,
    unresolvedEvidence,
    questionsWithoutEvidence,
  };
}

/** Every `*.json` conversation of a directory, in name order. */
export function loadConversations(dir: string): Conversation[] {
  return readdirSync(dir)
    .filter((file) => file.endsWith('.json'))
    .sort()
    .map((file) => loadConversation(join(dir, file), file.replace(/\.json$/, '')));
}

export type ContentFormat = 'plain' | 'speaker';

/** The text stored for a turn: its words, a shared photo's caption, and optionally who said it. */
export function turnContent(turn: Turn, format: ContentFormat): string {
  const photo = turn.blipCaption ? ` [shares a photo: ${turn.blipCaption}]` : '';
  const text = `${turn.text}${photo}`.trim();
  return format === 'speaker' ? `${turn.speaker}: ${text}` : text;
}
