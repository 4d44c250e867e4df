// How packed text looks. Every character here is counted: the packer measures the rendered string,
// never a sum of parts.
import type { Candidate, FormatOptions, FormatStyle, Turn } from './types.js';

export interface Layout {
  readonly style: FormatStyle;
  /** Between two memory sections. */
  readonly separator: string;
  formatSection(candidate: Candidate, content: string): string;
  formatSummary(summary: string): string;
  formatRecent(turns: readonly Turn[]): string;
  /** The whole context: memory sections (already formatted) then conversation blocks. */
  render(sections: readonly string[], historyBlocks: readonly string[]): string;
  /** Text that follows the last section up to the end of the next line: its tokenizer neighbourhood. */
  junctionAfterSections(historyBlocks: readonly string[]): string;
}

export const DEFAULT_TITLE = 'Relevant memories';
const BLOCK_SEPARATOR = '\n\n';
const MARK = '\u0000';

export function createLayout(options: FormatOptions = {}): Layout {
  const style = options.style ?? 'markdown';
  const title = options.title ?? DEFAULT_TITLE;
  const withMeta = options.includeMetadata ?? true;
  const parts = STYLES[style];

  const render = (sections: readonly string[], historyBlocks: readonly string[]): string => {
    const blocks: string[] = [];
    if (sections.length > 0) blocks.push(parts.memoryBlock(sections, title));
    blocks.push(...historyBlocks);
    return blocks.join(BLOCK_SEPARATOR);
  };

  return {
    style,
    separator: parts.separator,
    formatSection: (candidate, content) => parts.section(candidate, content.trim(), withMeta),
    formatSummary: parts.summary,
    formatRecent: parts.recent,
    render,
    junctionAfterSections(historyBlocks) {
      const rendered = render([MARK], historyBlocks);
      const after = rendered.slice(rendered.indexOf(MARK) + MARK.length);
      const firstText = after.search(/[^\s]/u);
      if (firstText < 0) return after;
      const lineEnd = after.indexOf('\n', firstText);
      return lineEnd < 0 ? after : after.slice(0, lineEnd + 1);
    },
  };
}

interface StyleParts {
  readonly separator: string;
  readonly section: (candidate: Candidate, content: string, withMeta: boolean) => string;
  readonly memoryBlock: (sections: readonly string[], title: string) => string;
  readonly summary: (text: string) => string;
  readonly recent: (turns: readonly Turn[]) => string;
}

const STYLES: Readonly<Record<FormatStyle, StyleParts>> = {
  markdown: {
    separator: '\n\n',
    section(candidate, content, withMeta) {
      if (!withMeta) return content;
      const meta = [candidate.kind.trim(), isoDate(sectionDate(candidate))].filter((s) => s !== '').join(' · ');
      return meta === '' ? content : `[${meta}] ${content}`;
    },
    memoryBlock: (sections, title) => [...(title === '' ? [] : [`## ${title}`]), ...sections].join('\n\n'),
    summary: (text) => `## Earlier conversation (summary)\n${text}`,
    recent: (turns) => `## Recent conversation\n${turns.map(renderTurn).join('\n')}`,
  },
  xml: {
    separator: '\n',
    section(candidate, content, withMeta) {
      const attrs = [`id="${escapeXml(candidate.id)}"`];
      if (withMeta) {
        if (candidate.kind !== '') attrs.push(`kind="${escapeXml(candidate.kind)}"`);
        const date = isoDate(sectionDate(candidate));
        if (date !== '') attrs.push(`date="${date}"`);
      }
      return `<memory ${attrs.join(' ')}>${escapeXml(content)}</memory>`;
    },
    memoryBlock: (sections) => `<memories>\n${sections.join('\n')}\n</memories>`,
    summary: (text) => `<conversation_summary>\n${escapeXml(text)}\n</conversation_summary>`,
    recent: (turns) =>
      `<conversation>\n${turns.map((t) => `<turn role="${t.role}">${escapeXml(t.content)}</turn>`).join('\n')}\n</conversation>`,
  },
  plain: {
    separator: '\n\n',
    section: (_candidate, content) => content,
    memoryBlock: (sections) => sections.join('\n\n'),
    summary: (text) => `Earlier conversation (summary):\n${text}`,
    recent: (turns) => `Recent conversation:\n${turns.map(renderTurn).join('\n')}`,
  },
};

export function renderTurn(turn: Turn): string {
  return `${turn.role}: ${turn.content.trim()}`;
}

/** A memory is dated by when its event happened when that is known, else by when it was stored. */
function sectionDate(candidate: Candidate): number {
  return candidate.occurredAt ?? candidate.createdAt;
}

function isoDate(ms: number): string {
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? '' : d.toISOString().slice(0, 10);
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
