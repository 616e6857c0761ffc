import { Reply, type ReplyView, describeFailure } from './run';
import { snippets } from './snippets';
import {
  type Conversation,
  type Item,
  loadConversations,
  loadSettings,
  newConversation,
  saveConversations,
  saveSettings,
} from './store';
import { Transcript } from './transcript';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

const ui = {
  agent: $<HTMLSelectElement>('agent'),
  newChat: $<HTMLButtonElement>('new-chat'),
  toggleSettings: $<HTMLButtonElement>('toggle-settings'),
  toggleUse: $<HTMLButtonElement>('toggle-use'),
  settings: $<HTMLElement>('settings'),
  usePanel: $<HTMLElement>('use-panel'),
  systemMessage: $<HTMLTextAreaElement>('system-message'),
  temperature: $<HTMLInputElement>('temperature'),
  apiKey: $<HTMLInputElement>('api-key'),
  baseUrl: $<HTMLElement>('base-url'),
  snippets: $<HTMLElement>('snippets'),
  conversationList: $<HTMLUListElement>('conversation-list'),
  clearAll: $<HTMLButtonElement>('clear-all'),
  composer: $<HTMLFormElement>('composer'),
  prompt: $<HTMLTextAreaElement>('prompt'),
  send: $<HTMLButtonElement>('send'),
  stop: $<HTMLButtonElement>('stop'),
};

const transcript = new Transcript($<HTMLOListElement>('transcript'));
const settings = loadSettings();
let conversations = loadConversations();
let current: Conversation = conversations[0] ?? newConversation(settings.agentId);
let running: Reply | undefined;
const apiBase = new URL('v1', document.baseURI).href;

function persist(): void {
  current.updatedAt = Date.now();
  if (current.items.length > 0 && !conversations.includes(current)) {
    conversations.unshift(current);
  }
  conversations.sort((a, b) => b.updatedAt - a.updatedAt);
  saveConversations(conversations);
  drawConversations();
}

function drawConversations(): void {
  ui.conversationList.replaceChildren(
    ...conversations.map((conversation) => {
      const li = document.createElement('li');
      const button = document.createElement('button');
      button.type = 'button';
      button.textContent = conversation.title;
      button.title = conversation.title;
      button.setAttribute('aria-current', String(conversation === current));
      button.addEventListener('click', () => open(conversation));
      li.append(button);
      return li;
    }),
  );
}

function open(conversation: Conversation): void {
  if (running) {
    return;
  }
  current = conversation;
  if (conversation.agentId && [...ui.agent.options].some((o) => o.value === conversation.agentId)) {
    ui.agent.value = conversation.agentId;
  }
  transcript.render(current.items);
  drawConversations();
  drawSnippets();
  ui.prompt.focus();
}

function drawSnippets(): void {
  ui.baseUrl.textContent = apiBase.replace(/\/$/, '');
  const agentId = ui.agent.value || 'AGENT_ID';
  ui.snippets.replaceChildren(
    ...snippets(apiBase.replace(/\/$/, ''), agentId, Boolean(ui.apiKey.value)).flatMap(({ title, code }) => {
      const head = document.createElement('div');
      head.className = 'snippet-head';
      const label = document.createElement('strong');
      label.textContent = title;
      const copy = document.createElement('button');
      copy.type = 'button';
      copy.textContent = 'Copy';
      copy.setAttribute('aria-label', `Copy the ${title} snippet`);
      copy.addEventListener('click', () => {
        navigator.clipboard.writeText(code).then(
          () => (copy.textContent = 'Copied'),
          () => (copy.textContent = 'Select and copy'),
        );
      });
      head.append(label, copy);
      const pre = document.createElement('pre');
      pre.textContent = code;
      return [head, pre];
    }),
  );
}

async function loadAgents(): Promise<void> {
  const headers: Record<string, string> = ui.apiKey.value ? { Authorization: `Bearer ${ui.apiKey.value}` } : {};
  try {
    const response = await fetch(new URL('v1/models', document.baseURI), { headers });
    if (!response.ok) {
      const payload: unknown = await response.json().catch(() => undefined);
      throw Object.assign(new Error(response.statusText), { status: response.status, payload });
    }
    const { data } = (await response.json()) as { data: Array<{ id: string }> };
    const previous = ui.agent.value || current.agentId || settings.agentId;
    ui.agent.replaceChildren(
      ...data.map(({ id }) => {
        const option = document.createElement('option');
        option.value = option.textContent = id;
        return option;
      }),
    );
    if (data.some(({ id }) => id === previous)) {
      ui.agent.value = previous;
    }
  } catch (error) {
    addItem({ kind: 'error', text: `Could not list the agents. ${describeFailure(error)}` });
  }
  drawSnippets();
}

function addItem<T extends Item>(item: T): T {
  current.items.push(item);
  transcript.append(item);
  return item;
}

function replyView(): ReplyView {
  const byId = new Map<string, Item>();
  return {
    text: (messageId, text) => {
      const known = byId.get(messageId);
      const item = known?.kind === 'assistant' ? known : addItem({ kind: 'assistant', id: messageId, text });
      byId.set(messageId, item);
      item.text = text;
      transcript.update(item);
    },
    toolStarted: (id, name, frontEnd) => {
      transcript.flush();
      byId.set(id, addItem({ kind: 'tool', id, name, args: '', frontEnd }));
    },
    toolArgs: (id, args) => {
      const item = byId.get(id);
      if (item?.kind === 'tool') {
        item.args = args;
        transcript.update(item);
      }
    },
    toolResult: (id, result, durationMs) => {
      const item = byId.get(id);
      if (item?.kind === 'tool') {
        Object.assign(item, { result, durationMs });
        transcript.update(item);
      }
    },
    stats: (text) => {
      transcript.flush();
      addItem({ kind: 'stats', text });
    },
    error: (text) => {
      transcript.flush();
      addItem({ kind: 'error', text });
    },
  };
}

async function send(text: string): Promise<void> {
  const agentId = ui.agent.value;
  if (!text.trim() || running || !agentId) {
    return;
  }
  current.agentId = agentId;
  if (current.items.length === 0) {
    current.title = text.slice(0, 60);
  }
  addItem({ kind: 'user', text });
  const messages = [...current.messages, { id: crypto.randomUUID(), role: 'user' as const, content: text }];
  const temperature = ui.temperature.value.trim() === '' ? undefined : Number(ui.temperature.value);
  const reply = new Reply();
  setRunning(reply);
  try {
    current.messages = await reply.run(
      {
        url: new URL(`v1/agents/${encodeURIComponent(agentId)}/ag-ui`, document.baseURI).href,
        apiKey: ui.apiKey.value,
        threadId: current.id,
        messages,
        systemMessage: ui.systemMessage.value,
        temperature: Number.isFinite(temperature) ? temperature : undefined,
      },
      replyView(),
    );
  } finally {
    transcript.flush();
    setRunning(undefined);
    persist();
  }
}

function setRunning(reply: Reply | undefined): void {
  running = reply;
  ui.stop.hidden = !reply;
  ui.send.disabled = Boolean(reply);
  document.body.dataset.running = String(Boolean(reply));
  if (!reply) {
    ui.prompt.focus();
  }
}

function togglePanel(button: HTMLButtonElement, panel: HTMLElement): void {
  panel.hidden = !panel.hidden;
  button.setAttribute('aria-expanded', String(!panel.hidden));
}

function saveCurrentSettings(): void {
  saveSettings({
    apiKey: ui.apiKey.value,
    systemMessage: ui.systemMessage.value,
    temperature: ui.temperature.value,
    agentId: ui.agent.value,
  });
}

function wire(): void {
  ui.composer.addEventListener('submit', (event) => {
    event.preventDefault();
    const text = ui.prompt.value;
    ui.prompt.value = '';
    void send(text);
  });
  ui.prompt.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      ui.composer.requestSubmit();
    }
  });
  document.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && running) {
      running.stop();
    } else if (event.altKey && event.key.toLowerCase() === 'n') {
      event.preventDefault();
      ui.newChat.click();
    }
  });
  ui.stop.addEventListener('click', () => running?.stop());
  ui.newChat.addEventListener('click', () => open(newConversation(ui.agent.value)));
  ui.clearAll.addEventListener('click', () => {
    if (running || !confirm('Delete every saved conversation in this browser?')) {
      return;
    }
    conversations = [];
    saveConversations(conversations);
    open(newConversation(ui.agent.value));
  });
  ui.toggleSettings.addEventListener('click', () => togglePanel(ui.toggleSettings, ui.settings));
  ui.toggleUse.addEventListener('click', () => togglePanel(ui.toggleUse, ui.usePanel));
  ui.agent.addEventListener('change', () => {
    saveCurrentSettings();
    drawSnippets();
  });
  for (const input of [ui.systemMessage, ui.temperature]) {
    input.addEventListener('change', saveCurrentSettings);
  }
  ui.apiKey.addEventListener('change', () => {
    saveCurrentSettings();
    void loadAgents();
  });
}

ui.apiKey.value = settings.apiKey;
ui.systemMessage.value = settings.systemMessage;
ui.temperature.value = settings.temperature;
wire();
transcript.render(current.items);
drawConversations();
void loadAgents().then(() => ui.prompt.focus());
