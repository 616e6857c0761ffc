import type { INestApplication } from '@nestjs/common';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
// Typed from the package, as the examples are (no src/dist type mixing).
import type { CallOptions, ModelBackend, ModelRequest, ModelStreamEvent, ScriptedModel } from 'chat-agent-server';
import { createExampleAgent, createScriptedModel } from '../../examples/example-agent';
import { buildPlayground } from '../../scripts/build-playground';
import { launchChromium, screenshotPath } from '../utils/browser';
import { withEnv } from '../utils/with-env';

/** The example's scripted backend, noting when the server aborts one of its streams (the client stopped). */
class WatchedModel implements ModelBackend {
  readonly modelName: string;
  readonly aborts: Array<Promise<boolean>> = [];

  constructor(readonly inner: ScriptedModel) {
    this.modelName = inner.modelName;
  }

  generate(request: ModelRequest, options?: CallOptions) {
    return this.inner.generate(request, options);
  }

  stream(request: ModelRequest, options: CallOptions = {}): AsyncIterable<ModelStreamEvent> {
    const signal = options.signal;
    this.aborts.push(
      new Promise((resolve) => {
        if (signal?.aborted) {
          resolve(true);
        }
        signal?.addEventListener('abort', () => resolve(true), { once: true });
      }),
    );
    return this.inner.stream(request, options);
  }
}

/** The page, with every Content-Security-Policy complaint and page error it raised. */
async function openPage(
  browser: Browser,
  url: string,
  ready = '#agent option',
): Promise<{ page: Page; problems: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1100, height: 800 } });
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) {
      problems.push(message.text());
    }
  });
  await page.goto(url);
  await page.waitForSelector(ready, { state: 'attached' });
  return { page, problems };
}

async function ask(page: Page, question: string): Promise<void> {
  await page.fill('#prompt', question);
  await page.press('#prompt', 'Enter');
}

const idle = (page: Page) => page.waitForSelector('body[data-running="false"]', { state: 'attached' });

interface Served {
  app: INestApplication;
  url: string;
}

/** The example agent serving itself (as examples/openai-server.ts does), with the playground built into `dir`. */
async function serve(model: ModelBackend, env: Record<string, string>): Promise<Served> {
  return withEnv(env, async () => {
    const app = await createExampleAgent(model).toOpenAICompatibleServer();
    await app.listen(0, '127.0.0.1');
    return { app, url: (await app.getUrl()).replace('[::1]', '127.0.0.1') };
  });
}

describe('Playground in a real browser (Chromium, e2e)', () => {
  let browser: Browser;
  let server: Served;
  let model: WatchedModel;
  let keyed: Served;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'playground-'));
    await buildPlayground(dir);
    model = new WatchedModel(createScriptedModel(25));
    server = await serve(model, { PLAYGROUND_DIR: dir });
    keyed = await serve(createScriptedModel(), { PLAYGROUND_DIR: dir, API_KEYS: 'right-key' });
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.app.close();
    await keyed?.app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('should stream the answer of a question, with the reply stats, and sanitise what the model writes', async () => {
    const { page, problems } = await openPage(browser, server.url);
    // Every text the answer showed while it streamed.
    await page.evaluate(() => {
      const seen: string[] = [];
      (window as unknown as { seen: string[] }).seen = seen;
      new MutationObserver(() => {
        const last = [...document.querySelectorAll('.msg.assistant')].at(-1)?.textContent?.trim();
        if (last && seen.at(-1) !== last) {
          seen.push(last);
        }
      }).observe(document.getElementById('transcript')!, { subtree: true, childList: true, characterData: true });
    });
    await ask(page, 'Please count for me');
    await idle(page);
    await page.waitForSelector('.stats');
    expect(await page.locator('.msg.user').innerText()).toBe('Please count for me');
    expect(await page.locator('.msg.assistant').innerText()).toBe('1, 2, 3, 4, 5.');
    const seen = await page.evaluate(() => (window as unknown as { seen: string[] }).seen);
    expect(seen.length).toBeGreaterThan(1);
    expect(seen.at(-1)).toBe('1, 2, 3, 4, 5.');
    expect(await page.locator('.stats').innerText()).toMatch(/\d+ tokens in · \d+ out · first token \d+ ms/);

    expect(problems).toEqual([]);

    // The scripted model echoes what it does not know: markup in a reply is sanitised, and the page's policy blocks
    // inline handlers besides (Chromium reports the blocked attempt when DOMPurify parses the markup).
    await page.evaluate(() => {
      const handlers: string[] = [];
      (window as unknown as { handlers: string[] }).handlers = handlers;
      new MutationObserver(() => {
        for (const element of document.querySelectorAll('#transcript [onerror]')) {
          handlers.push(element.outerHTML);
        }
      }).observe(document.getElementById('transcript')!, { subtree: true, childList: true, attributes: true });
    });
    await ask(page, 'Say <img src="x" onerror="document.title=1"> **bold**');
    await idle(page);
    const echoed = page.locator('.msg.assistant').last();
    expect(await echoed.locator('strong').innerText()).toBe('bold');
    expect(await echoed.locator('img').getAttribute('onerror')).toBeNull();
    expect(await page.title()).toBe('Agent playground');
    expect(await page.evaluate(() => (window as unknown as { handlers: string[] }).handlers)).toEqual([]);
    expect(problems.every((problem) => /inline event handler.*has been blocked/s.test(problem))).toBe(true);
    await page.screenshot({ path: screenshotPath('playground-answer') });
    await page.close();
  });

  it("should show the agent's own tool run as a card with its arguments, result and duration", async () => {
    const { page, problems } = await openPage(browser, server.url);
    await ask(page, 'What is 6 times 7?');
    await idle(page);
    const card = page.locator('.tool');
    expect(await card.locator('.tool-name').innerText()).toBe('calculator');
    expect(await card.locator('.tool-badge').innerText()).toMatch(/agent's tool/);
    expect(await card.locator('.tool-duration').innerText()).toMatch(/^\d+ ms$/);
    expect(JSON.parse(await card.locator('.tool-args code').innerText())).toEqual({
      a: 6,
      b: 7,
      operation: 'multiply',
    });
    await card.locator('.tool-result summary').click();
    expect(await card.locator('.tool-result pre').innerText()).toBe('42');
    expect(await page.locator('.msg.assistant').last().innerText()).toBe('The result is 42.');
    await page.screenshot({ path: screenshotPath('playground-tool-run') });
    expect(problems).toEqual([]);
    await page.close();
  });

  it('should stop a reply mid-stream, the server aborting the backend', async () => {
    const { page, problems } = await openPage(browser, server.url);
    const before = model.aborts.length;
    await ask(page, 'Tell me a story');
    await page.waitForFunction(() => document.querySelector('.msg.assistant')?.textContent?.includes('Night 1'));
    await page.click('#stop');
    await idle(page);
    expect(model.aborts.length).toBe(before + 1);
    expect(await model.aborts[before]).toBe(true);
    expect(await page.locator('.msg.error').innerText()).toBe('Stopped.');
    // Rendered as Markdown as it streamed.
    expect(await page.locator('.msg.assistant h2').innerText()).toBe('The lighthouse keeper');
    expect(await page.locator('.msg.assistant').innerText()).not.toContain('Night 12');
    await page.screenshot({ path: screenshotPath('playground-stopped') });

    // The page and the server go on: the next question is answered.
    await ask(page, 'hello');
    await idle(page);
    expect(await page.locator('.msg.assistant').last().innerText()).toBe('Hello!');
    expect(problems).toEqual([]);
    await page.close();
  });

  it('should show a wrong API key as the 401 message', async () => {
    // The server wants a key and the page has none yet: the agent list says so.
    const { page, problems } = await openPage(browser, keyed.url, '.msg.error');
    const errors = page.locator('.msg.error');
    expect(await errors.innerText()).toMatch(/^Could not list the agents\. Unauthorized \(401\)/);
    await page.click('#toggle-settings');
    await page.fill('#api-key', 'right-key');
    await page.press('#api-key', 'Tab');
    await page.waitForFunction(() => document.querySelectorAll('#agent option').length > 0);
    await page.fill('#api-key', 'wrong-key');
    await page.press('#api-key', 'Tab');
    await page.waitForFunction(() => document.querySelectorAll('.msg.error').length === 2);
    await ask(page, 'hello');
    await page.waitForFunction(() => document.querySelectorAll('.msg.error').length === 3);
    await idle(page);
    expect(await errors.last().innerText()).toMatch(/^Unauthorized \(401\): .+ Set a valid API key in Settings\.$/);
    expect(await page.locator('.msg.assistant').count()).toBe(0);
    await page.screenshot({ path: screenshotPath('playground-401') });
    expect(problems).toEqual([]);
    await page.close();
  });

  it("should run the page's own tool in the browser and finish the reply with its result", async () => {
    const { page, problems } = await openPage(browser, server.url);
    const requestsBefore = model.inner.requests.length;
    await ask(page, 'What time is it here?');
    await idle(page);
    const card = page.locator('.tool');
    expect(await card.locator('.tool-name').innerText()).toBe('get_local_time');
    expect(await card.locator('.tool-badge').innerText()).toBe('run in this browser');
    await card.locator('.tool-result summary').click();
    const result = JSON.parse(await card.locator('.tool-result pre').innerText());
    const browserZone = await page.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone);
    expect(result.timeZone).toBe(browserZone);
    expect(await page.locator('.msg.assistant').last().innerText()).toBe(
      `Your browser says it is ${result.localTime} where you are.`,
    );
    // Two runs on the server: the second carried the browser's result for the call the first handed out.
    const [first, second] = model.inner.requests.slice(requestsBefore);
    expect(first.tools?.map((t) => t.name)).toContain('get_local_time');
    const call = second.messages.find((m) => m.toolCalls?.some((c) => c.name === 'get_local_time'));
    const answer = second.messages.find((m) => m.role === 'tool');
    expect(answer?.toolCallId).toBe(call?.toolCalls?.[0].id);
    expect(JSON.parse(answer?.content as string).timeZone).toBe(browserZone);
    await page.screenshot({ path: screenshotPath('playground-front-end-tool') });
    expect(problems).toEqual([]);
    await page.close();
  });

  it('should keep conversations in the browser, fit a phone and follow a dark system theme', async () => {
    const { page, problems } = await openPage(browser, server.url);
    await ask(page, 'hello');
    await idle(page);
    await page.reload();
    await page.waitForSelector('#conversation-list button', { state: 'attached' });
    expect(await page.locator('.msg.assistant').last().innerText()).toBe('Hello!');
    await page.click('#new-chat');
    expect(await page.locator('#transcript li').count()).toBe(0);

    await page.setViewportSize({ width: 390, height: 800 });
    await page.emulateMedia({ colorScheme: 'dark' });
    const layout = await page.evaluate(() => ({
      overflow: document.documentElement.scrollWidth - window.innerWidth,
      background: getComputedStyle(document.body).backgroundColor,
    }));
    expect(layout.overflow).toBeLessThanOrEqual(0);
    expect(layout.background).toBe('rgb(20, 23, 27)');
    await page.screenshot({ path: screenshotPath('playground-phone-dark') });
    expect(problems).toEqual([]);
    await page.close();
  });
});
