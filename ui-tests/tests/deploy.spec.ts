import { expect, test } from '@jupyterlab/galata';
import {
  acceptEulaIfAsked,
  openPanelFromLauncher,
  searchCatalog
} from './helpers';

// Local mode with the real SmolLM2-135M-Instruct stand-in: the first deploy converts it (about 25 s).
test.describe('Deploy in local mode', () => {
  test.setTimeout(420000);

  test('quick deploy, InService, try it, delete', async ({ page }) => {
    await openPanelFromLauncher(page);
    await searchCatalog(page, '7b chat');
    await page
      .getByTestId(
        'llama-neuron-model-card-meta-textgenerationneuron-llama-2-7b-f'
      )
      .click();
    await page.getByTestId('llama-neuron-quick-deploy').click();
    await acceptEulaIfAsked(page);

    const resources = page.getByTestId('llama-neuron-resources');
    await expect(resources).toBeVisible();
    const row = resources
      .locator('[data-testid^="llama-neuron-endpoint-row-"]')
      .first();
    await expect(row).toBeVisible();
    await expect(
      row.getByTestId('llama-neuron-endpoint-serving')
    ).toContainText('SmolLM2');
    // In service while the user still looks at Resources: the Playground opens on it, ready to type.
    await expect(page.getByTestId('llama-neuron-playground')).toBeVisible({
      timeout: 300000
    });
    await expect(page.getByTestId('llama-neuron-chat-input')).toBeFocused();
    await page.getByTestId('llama-neuron-tab-resources').click();
    await expect(row.getByTestId('llama-neuron-endpoint-status')).toContainText(
      'InService'
    );

    // Local storage lists the converted model with its size, used by the endpoint and kept by the server.
    const storage = resources.getByTestId('llama-neuron-local-storage');
    await storage
      .getByRole('button', { name: 'Refresh local storage' })
      .click();
    const model = storage.locator('[data-storage-item^="model/"]');
    await expect(model).toContainText('converted model');
    await expect(model).toContainText(/\d+ MB/);
    await expect(model.getByRole('button')).toBeDisabled();
    await expect(
      storage.getByTestId('llama-neuron-storage-total')
    ).toContainText('MB');

    await row.getByTestId('llama-neuron-endpoint-try').click();
    await row
      .getByTestId('llama-neuron-tryit-prompt')
      .fill('The capital of France is');
    await row.getByTestId('llama-neuron-tryit-send').click();
    const output = row.getByTestId('llama-neuron-tryit-output');
    await expect(output).toBeVisible({ timeout: 120000 });
    await expect(output).not.toBeEmpty();
    await expect(row.getByTestId('llama-neuron-tryit-stats')).toBeVisible();

    await row.getByTestId('llama-neuron-endpoint-delete').click();
    const dialog = page.locator('.jp-Dialog');
    await expect(dialog).toContainText(/costs/);
    await dialog.getByRole('button', { name: 'Delete' }).click();
    await expect(
      resources.locator('[data-testid^="llama-neuron-endpoint-row-"]')
    ).toHaveCount(0, { timeout: 60000 });
  });
});
