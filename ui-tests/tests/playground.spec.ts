import { expect, test } from '@jupyterlab/galata';
import {
  ensureEndpoint,
  openPanelFromLauncher,
  selectByTestId
} from './helpers';

const CHAT_MODEL = 'meta-textgenerationneuron-llama-2-7b-f';
const BASE_MODEL = 'meta-textgenerationneuron-llama-2-7b';

test.describe('Playground and compare in local mode', () => {
  test.setTimeout(480000);

  test.beforeEach(async ({ request }) => {
    await ensureEndpoint(request, CHAT_MODEL, 'ui-chat');
    await ensureEndpoint(request, BASE_MODEL, 'ui-base');
  });

  test('a completion prompt streams tokens', async ({ page }) => {
    await openPanelFromLauncher(page);
    await page.getByTestId('llama-neuron-tab-playground').click();
    await selectByTestId(page, 'llama-neuron-playground-endpoint', 'ui-base');
    await page
      .getByTestId('llama-neuron-playground-prompt')
      .fill('The capital of France is');
    await page
      .getByTestId('llama-neuron-playground-param-max_new_tokens')
      .fill('24');
    await page.getByTestId('llama-neuron-playground-send').click();

    // Record what the output shows while the answer arrives: several growing texts, not one jump.
    const output = page.getByTestId('llama-neuron-playground-output');
    const seen = new Set<string>();
    const stats = page.getByTestId('llama-neuron-playground-stats');
    for (let i = 0; i < 2400 && !(await stats.isVisible()); i++) {
      const text = ((await output.textContent()) ?? '').trim();
      if (text) {
        seen.add(text);
      }
      await page.waitForTimeout(25);
    }
    await expect(stats).toBeVisible();
    const final = ((await output.textContent()) ?? '').trim();
    expect(final.length).toBeGreaterThan(0);
    expect(seen.size).toBeGreaterThanOrEqual(2);
    await expect(stats).toContainText(/first token/);
  });

  test('a two-turn chat with a chat model', async ({ page }) => {
    await openPanelFromLauncher(page);
    await page.getByTestId('llama-neuron-tab-playground').click();
    await selectByTestId(page, 'llama-neuron-playground-endpoint', 'ui-chat');
    const input = page.getByTestId('llama-neuron-chat-input');
    const messages = page.getByTestId('llama-neuron-chat-message');

    await input.fill('What is the capital of France?');
    await page.getByTestId('llama-neuron-playground-send').click();
    await expect(messages).toHaveCount(2);
    await expect(messages.nth(1)).toHaveAttribute('data-status', 'done', {
      timeout: 120000
    });
    await expect(messages.nth(1)).toContainText('Paris');

    await input.fill('And what is the capital of Italy?');
    await page.getByTestId('llama-neuron-playground-send').click();
    await expect(messages).toHaveCount(4);
    await expect(messages.nth(3)).toHaveAttribute('data-status', 'done', {
      timeout: 120000
    });
    await expect(messages.nth(3)).not.toBeEmpty();
    await expect(messages.nth(2)).toHaveAttribute('data-role', 'user');
  });

  test('compare two endpoints on three prompts and export Markdown', async ({
    page
  }) => {
    await openPanelFromLauncher(page);
    await page.getByTestId('llama-neuron-tab-compare').click();
    await selectByTestId(page, 'llama-neuron-compare-endpoint-a', 'ui-base');
    await selectByTestId(page, 'llama-neuron-compare-endpoint-b', 'ui-chat');
    await page
      .getByTestId('llama-neuron-compare-prompts')
      .fill('The capital of France is\nThe largest planet is\nWater boils at');
    // The shared parameters sit in a collapsed group.
    await page
      .getByTestId('llama-neuron-compare')
      .getByText('Parameters', { exact: true })
      .click();
    await page
      .getByTestId('llama-neuron-compare-param-max_new_tokens')
      .fill('16');
    await page.getByTestId('llama-neuron-compare-run').click();
    await expect(
      page.getByTestId('llama-neuron-compare-progress')
    ).toContainText('3/3', { timeout: 240000 });
    const rows = page.getByTestId('llama-neuron-compare-row');
    await expect(rows).toHaveCount(3);
    await expect(
      rows.first().getByTestId('llama-neuron-compare-answer-a')
    ).not.toBeEmpty();
    await expect(
      rows.first().getByTestId('llama-neuron-compare-answer-b')
    ).not.toBeEmpty();

    const downloadPromise = page.waitForEvent('download');
    await page.getByTestId('llama-neuron-compare-export-markdown').click();
    const download = await downloadPromise;
    const path = await download.path();
    const fs = await import('fs');
    const markdown = fs.readFileSync(path, 'utf-8');
    expect(markdown).toContain('The largest planet is');
    expect(markdown).toContain('ui-base');
    expect(
      markdown.split('\n').filter(line => line.startsWith('|')).length
    ).toBeGreaterThanOrEqual(5);
  });
});
