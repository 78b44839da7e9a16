import { expect, test } from '@jupyterlab/galata';
import { ensureEndpoint } from './helpers';

const BASE_MODEL = 'meta-textgenerationneuron-llama-2-7b';
const CHAT_MODEL = 'meta-textgenerationneuron-llama-2-7b-f';

/**
 * The notebook widgets in a real kernel of the Galata server (empty token): the kernel finds its server
 * through the runtime directory (jupyter_server.serverapp.list_running_servers), renders the Playground,
 * and streams the answer from the local endpoint.
 */
test.describe('Notebook widgets in local mode', () => {
  test.setTimeout(480000);

  test.beforeEach(async ({ request }) => {
    await ensureEndpoint(request, BASE_MODEL, 'ui-base');
    await ensureEndpoint(request, CHAT_MODEL, 'ui-chat');
  });

  test('the Playground widget streams an answer', async ({ page }) => {
    await page.notebook.createNew();
    await page.notebook.setCell(
      0,
      'code',
      'from jupyter_llama_neuron.widgets import Playground; Playground("ui-base")'
    );
    await page.notebook.runCell(0);

    const widget = page.locator('.llama-neuron-w-playground');
    await expect(widget).toBeVisible({ timeout: 120000 });
    await expect(page.locator('.llama-neuron-w-error')).toHaveCount(0);
    const prompt = widget.locator('.llama-neuron-w-prompt textarea');
    await prompt.fill('The capital of France is');
    await widget.locator('button.llama-neuron-w-send').click();

    const output = widget.locator('.llama-neuron-w-output');
    await expect(output.locator('.llama-neuron-w-stats')).toBeVisible({
      timeout: 120000
    });
    await expect(output.locator('.llama-neuron-w-stats')).toContainText(
      /tokens/
    );
    const answer = (
      (await output.locator('.llama-neuron-w-answer').textContent()) ?? ''
    ).trim();
    expect(answer.length).toBeGreaterThan(0);
  });

  test('the Playground widget chats with a chat model', async ({ page }) => {
    await page.notebook.createNew();
    await page.notebook.setCell(
      0,
      'code',
      'from jupyter_llama_neuron.widgets import Playground; Playground("ui-chat")'
    );
    await page.notebook.runCell(0);

    const widget = page.locator('.llama-neuron-w-playground');
    await expect(widget).toBeVisible({ timeout: 120000 });
    await widget
      .locator('.llama-neuron-w-prompt textarea')
      .fill('What is the capital of France?');
    await widget.locator('button.llama-neuron-w-send').click();

    const messages = widget.locator('.llama-neuron-w-message');
    await expect(messages).toHaveCount(2, { timeout: 120000 });
    await expect(messages.nth(0)).toHaveAttribute('data-role', 'user');
    await expect(messages.nth(1)).toHaveAttribute('data-role', 'assistant');
    await expect(messages.nth(1)).not.toBeEmpty();
  });
});
