import { expect, test } from '@jupyterlab/galata';
import {
  acceptEulaIfAsked,
  openPanelFromLauncher,
  searchCatalog,
  selectByTestId
} from './helpers';

// The SageMaker backend against the in-process AWS emulator: the real JumpStart SDK builds the requests,
// the emulator answers (Creating for a few polls, then InService).
test.describe('Deploy on SageMaker (emulated AWS)', () => {
  test('the header names region and account; a custom deploy comes up and is deleted', async ({
    page
  }) => {
    await openPanelFromLauncher(page);
    await expect(page.getByTestId('llama-neuron-backend-label')).toHaveText(
      'SageMaker · us-east-1 · 123456789012'
    );

    await searchCatalog(page, '13b chat');
    await page
      .getByTestId(
        'llama-neuron-model-card-meta-textgenerationneuron-llama-2-13b-f'
      )
      .click();
    await page.getByTestId('llama-neuron-custom-deploy').click();
    await acceptEulaIfAsked(page);
    await selectByTestId(
      page,
      'llama-neuron-deploy-instance',
      'ml.inf2.48xlarge'
    );
    await page.getByTestId('llama-neuron-config-4096-4-24-fp16').check();
    await expect(page.getByTestId('llama-neuron-deploy-price')).toContainText(
      '15.58'
    );
    await expect(page.getByTestId('llama-neuron-deploy-preview')).toContainText(
      'OPTION_TENSOR_PARALLEL_DEGREE'
    );
    await page.getByTestId('llama-neuron-deploy-name').fill('ui-sm-13b-chat');
    await page.getByTestId('llama-neuron-deploy-submit').click();

    const row = page.getByTestId('llama-neuron-endpoint-row-ui-sm-13b-chat');
    await expect(row).toBeVisible({ timeout: 60000 });
    // In service while the user still looks at Resources: the Playground opens on it, ready to type.
    await expect(page.getByTestId('llama-neuron-playground')).toBeVisible({
      timeout: 120000
    });
    await expect(page.getByTestId('llama-neuron-chat-input')).toBeFocused();
    await page.getByTestId('llama-neuron-tab-resources').click();
    await expect(row.getByTestId('llama-neuron-endpoint-status')).toContainText(
      'InService'
    );
    await expect(row.getByTestId('llama-neuron-endpoint-price')).toContainText(
      '15.58'
    );

    await row.getByTestId('llama-neuron-endpoint-delete').click();
    const dialog = page.locator('.jp-Dialog');
    await expect(dialog).toContainText('15.58');
    await dialog.getByRole('button', { name: 'Delete' }).click();
    await expect(row).toHaveCount(0, { timeout: 60000 });
  });
});
