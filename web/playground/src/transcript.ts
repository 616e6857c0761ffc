import { renderMarkdown } from './markdown';
import type { Item } from './store';

type ToolItem = Extract<Item, { kind: 'tool' }>;

/** The transcript list: renders items, and updates the streaming ones in place (at most once a frame). */
export class Transcript {
  private readonly elements = new Map<Item, HTMLLIElement>();
  private readonly dirty = new Set<Item>();
  private frame?: number;

  constructor(private readonly list: HTMLOListElement) {}

  render(items: Item[]): void {
    this.list.replaceChildren();
    this.elements.clear();
    for (const item of items) {
      this.append(item);
    }
  }

  append(item: Item): void {
    const li = document.createElement('li');
    this.elements.set(item, li);
    this.draw(item, li);
    this.list.append(li);
    this.scroll();
  }

  /** Redraws `item` on the next frame (a token stream would otherwise re-render Markdown per token). */
  update(item: Item): void {
    this.dirty.add(item);
    this.frame ??= requestAnimationFrame(() => this.flush());
  }

  flush(): void {
    if (this.frame !== undefined) {
      cancelAnimationFrame(this.frame);
      this.frame = undefined;
    }
    for (const item of this.dirty) {
      const li = this.elements.get(item);
      if (li) {
        this.draw(item, li);
      }
    }
    this.dirty.clear();
    this.scroll();
  }

  private scroll(): void {
    this.list.scrollTop = this.list.scrollHeight;
  }

  private draw(item: Item, li: HTMLLIElement): void {
    switch (item.kind) {
      case 'user':
        li.className = 'msg user';
        li.textContent = item.text;
        return;
      case 'assistant':
        li.className = 'msg assistant';
        renderMarkdown(li, item.text);
        return;
      case 'tool':
        li.className = 'tool';
        drawTool(li, item);
        return;
      case 'stats':
        li.className = 'stats';
        li.textContent = item.text;
        return;
      case 'error':
        li.className = 'msg error';
        li.setAttribute('role', 'alert');
        li.textContent = item.text;
        return;
    }
  }
}

function drawTool(li: HTMLLIElement, item: ToolItem): void {
  const open = li.querySelector('details')?.open ?? false;
  li.replaceChildren();
  li.dataset.toolCallId = item.id;
  const head = element('div', 'tool-head');
  head.append(
    element('span', 'tool-name', item.name),
    element('span', 'tool-badge', item.frontEnd ? 'run in this browser' : "agent's tool, run on the server"),
    element(
      'span',
      'tool-duration',
      item.durationMs === undefined ? 'running…' : `${Math.max(0, Math.round(item.durationMs))} ms`,
    ),
  );
  const args = element('div', 'tool-args');
  args.append('arguments: ', element('code', '', prettyJson(item.args) || '{}'));
  li.append(head, args);
  if (item.result !== undefined) {
    const details = element('details', 'tool-result');
    details.open = open;
    details.append(element('summary', '', 'Result'), element('pre', '', prettyJson(item.result)));
    li.append(details);
  }
}

function element<K extends keyof HTMLElementTagNameMap>(tag: K, className: string, text?: string) {
  const el = document.createElement(tag);
  if (className) {
    el.className = className;
  }
  if (text !== undefined) {
    el.textContent = text;
  }
  return el;
}

function prettyJson(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}
