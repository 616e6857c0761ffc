import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { ChatAgent } from '../../src/core/chat-agent';
import { ScriptedModel } from '../../src/core/backends/scripted.model';
import { launchChromium } from '../utils/browser';
import { startServer, type TestServer } from '../utils/test-server';
import { withEnv } from '../utils/with-env';

/**
 * The Swagger UI at /docs as a person uses it, in Debian's Chromium: "Try it out" on the chat route with each
 * example, and Authorize with an API key when the server has API_KEYS.
 */
jest.setTimeout(90_000);

const EXAMPLES = ['basic', 'streaming', 'tools', 'json_schema', 'legacy_functions'];

function scriptedAgent(): ChatAgent {
  return new ChatAgent({
    model: new ScriptedModel({
      // A tool call when tools are offered, JSON when JSON is asked for, else text: each example's own answer.
      replies: (request) => {
        if (request.tools?.length) {
          return { toolCalls: [{ name: request.tools[0].name, arguments: { city: 'Paris' } }] };
        }
        return request.responseFormat ? '{"country":"France","capital":"Paris"}' : 'The capital of France is Paris.';
      },
    }),
  });
}

/** Opens /docs and the chat operation, in "Try it out" mode. */
async function openChatOperation(page: Page, url: string): Promise<Locator> {
  await page.goto(`${url}/docs`);
  const operation = page.locator('#operations-chat-createChatCompletion');
  await operation.locator('.opblock-summary').click();
  await operation.locator('button.try-out__btn').click();
  return operation;
}

/** Picks an example, clicks Execute, and reads the status code and body Swagger UI shows. */
async function execute(operation: Locator, example: string): Promise<{ status: string; body: string }> {
  await operation.locator('select.examples-select-element').selectOption(example);
  const clear = operation.locator('button.btn-clear');
  if (await clear.isVisible()) {
    await clear.click();
  }
  await operation.locator('button.execute').click();
  const response = operation.locator('.live-responses-table tbody tr.response').first();
  await response.waitFor();
  return {
    status: (await response.locator('.response-col_status').innerText()).trim(),
    body: await response.locator('.response-col_description').innerText(),
  };
}

describe('Swagger UI at /docs in Chromium', () => {
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });
  beforeEach(async () => {
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  });
  afterEach(async () => {
    await page.close();
  });

  describe('an open server', () => {
    let server: TestServer;

    beforeAll(async () => {
      server = await startServer({ agents: { 'camel-model': scriptedAgent() } });
    });
    afterAll(async () => {
      await server.close();
    });

    it('should show the docs page with the routes, their locks and Authorize', async () => {
      await page.goto(`${server.url}/docs`);
      await page.locator('#operations-chat-createChatCompletion').waitFor();
      await expect(page.locator('button.authorize').first().isVisible()).resolves.toBe(true);
      // One tag per route: the chat route is listed once.
      await expect(page.locator('.opblock-summary-path', { hasText: '/v1/chat/completions' }).count()).resolves.toBe(1);
      await expect(page.locator('#operations-chat-createChatCompletion .authorization__btn').count()).resolves.toBe(1);
      // The README's picture (docs/swagger-ui.png is this screenshot; DOCS_SCREENSHOT=docs/swagger-ui.png renews it).
      const path = process.env.DOCS_SCREENSHOT ?? join(mkdtempSync(join(tmpdir(), 'docs-')), 'swagger-ui.png');
      await page.screenshot({ path });
      expect(readFileSync(path).subarray(1, 4).toString()).toBe('PNG');
    });

    it('should answer 200 to "Try it out" with the default example', async () => {
      const operation = await openChatOperation(page, server.url);
      await expect(operation.locator('select.examples-select-element').inputValue()).resolves.toBe('basic');
      await operation.locator('button.execute').click();
      const response = operation.locator('.live-responses-table tbody tr.response').first();
      await expect(response.locator('.response-col_status').innerText()).resolves.toBe('200');
      await expect(response.locator('.response-col_description').innerText()).resolves.toContain('Paris');
    });

    it('should answer 200 to each named example', async () => {
      const operation = await openChatOperation(page, server.url);
      for (const example of EXAMPLES) {
        const { status, body } = await execute(operation, example);
        expect({ example, status }).toEqual({ example, status: '200' });
        expect(body).toContain(example === 'streaming' ? 'data: [DONE]' : '"object": "chat.completion"');
      }
    });
  });

  describe('a server with API_KEYS', () => {
    let server: TestServer;

    beforeAll(async () => {
      server = await withEnv({ API_KEYS: 'docs-key' }, () =>
        startServer({ agents: { 'camel-model': scriptedAgent() } }),
      );
    });
    afterAll(async () => {
      await server.close();
    });

    it('should answer 401 before Authorize and 200 after it', async () => {
      const operation = await openChatOperation(page, server.url);
      expect((await execute(operation, 'basic')).status).toBe('401');

      await page.locator('.scheme-container button.authorize').click();
      const dialog = page.locator('.modal-ux');
      await dialog.locator('input[type=text]').fill('docs-key');
      await dialog.locator('button.authorize').click();
      await dialog.locator('button.btn-done').click();

      const { status, body } = await execute(operation, 'basic');
      expect(status).toBe('200');
      expect(body).toContain('Paris');
    });
  });
});
