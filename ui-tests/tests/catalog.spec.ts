import { expect, test } from '@jupyterlab/galata';
import {
  acceptEulaIfAsked,
  openPanelFromLauncher,
  searchCatalog
} from './helpers';

test.describe('Catalog, model card and licence', () => {
  test('opens from the launcher and says which backend is active', async ({
    page
  }) => {
    await openPanelFromLauncher(page);
    await expect(page.getByTestId('llama-neuron-backend-label')).toHaveText(
      'Local mode (no AWS account)'
    );
    await expect(
      page.locator('[data-testid^="llama-neuron-model-card-"]')
    ).toHaveCount(6);
  });

  test('the panel is restored after a reload', async ({ page }) => {
    await openPanelFromLauncher(page);
    // The layout restorer saves the workspace shortly after a change.
    await page.waitForTimeout(2000);
    // A plain browser reload: Galata's own reload waits for the Launcher tab, which the restored panel replaces.
    await page.evaluate(() => window.location.reload());
    await expect(page.getByTestId('llama-neuron-panel')).toBeVisible({
      timeout: 60000
    });
  });

  test('opens from the command palette', async ({ page }) => {
    await page.keyboard.press('Control+Shift+c');
    await page
      .locator('#modal-command-palette input')
      .fill('Llama 2 on Neuron');
    await page.keyboard.press('Enter');
    await expect(page.getByTestId('llama-neuron-panel')).toBeVisible();
  });

  test('search "13b" shows exactly the two 13B models', async ({ page }) => {
    await openPanelFromLauncher(page);
    await searchCatalog(page, '13b');
    const cards = page.locator('[data-testid^="llama-neuron-model-card-"]');
    await expect(cards).toHaveCount(2);
    await expect(
      page.getByTestId(
        'llama-neuron-model-card-meta-textgenerationneuron-llama-2-13b'
      )
    ).toBeVisible();
    await expect(
      page.getByTestId(
        'llama-neuron-model-card-meta-textgenerationneuron-llama-2-13b-f'
      )
    ).toBeVisible();
    await searchCatalog(page, 'neuron chat');
    await expect(cards).toHaveCount(3);
  });

  test('a model card, the licence dialog, and the custom form offers only precompiled tuples', async ({
    page
  }) => {
    await openPanelFromLauncher(page);
    await searchCatalog(page, '13b');
    await page
      .getByTestId(
        'llama-neuron-model-card-meta-textgenerationneuron-llama-2-13b'
      )
      .click();
    const detail = page.getByTestId('llama-neuron-model-detail');
    await expect(detail).toBeVisible();
    await expect(
      detail.getByRole('link', { name: /Community License/ })
    ).toHaveAttribute('href', /ai\.meta\.com\/llama\/license/);
    await expect(
      detail.getByRole('link', { name: /Acceptable Use Policy/ })
    ).toHaveAttribute('href', /ai\.meta\.com\/llama\/use-policy/);
    // The 13B table: 8 precompiled rows.
    await expect(
      page.getByTestId('llama-neuron-precompiled-table').locator('tbody tr')
    ).toHaveCount(8);

    await page.getByTestId('llama-neuron-custom-deploy').click();
    await acceptEulaIfAsked(page);
    const form = page.getByTestId('llama-neuron-deploy-form');
    await expect(form).toBeVisible();
    await page
      .getByTestId('llama-neuron-deploy-instance')
      .locator('select')
      .or(page.locator('select[data-testid="llama-neuron-deploy-instance"]'))
      .first()
      .selectOption('ml.inf2.24xlarge');
    const radios = form.locator('input[type="radio"]');
    await expect(radios).toHaveCount(3);
    await expect(
      page.getByTestId('llama-neuron-config-2048-4-4-fp16')
    ).toBeVisible();
    await expect(
      page.getByTestId('llama-neuron-config-4096-4-8-fp16')
    ).toBeVisible();
    await expect(
      page.getByTestId('llama-neuron-config-4096-4-12-fp16')
    ).toBeVisible();
    await expect(
      page.getByTestId('llama-neuron-config-1024-1-2-fp16')
    ).toHaveCount(0);
    await expect(page.getByTestId('llama-neuron-deploy-preview')).toContainText(
      'OPTION_TENSOR_PARALLEL_DEGREE'
    );
    await page.getByTestId('llama-neuron-deploy-cancel').click();
    // The acknowledgment is recorded on the server.
    await expect(page.getByTestId('llama-neuron-eula-state')).toContainText(
      /accepted/i
    );
  });

  test('Open notebook writes the example notebook and opens it', async ({
    page
  }) => {
    await openPanelFromLauncher(page);
    await searchCatalog(page, '13b chat');
    await page
      .getByTestId(
        'llama-neuron-model-card-meta-textgenerationneuron-llama-2-13b-f'
      )
      .click();
    await page.getByTestId('llama-neuron-open-notebook').click();
    const tab = page.locator('.lm-DockPanel-tabBar .lm-TabBar-tab', {
      hasText: /llama-2-13b.*\.ipynb/
    });
    await expect(tab).toBeVisible({ timeout: 60000 });
    await expect(
      page.locator('.jp-NotebookPanel .jp-Cell').first()
    ).toBeVisible();
    await expect(
      page.locator('.jp-NotebookPanel .jp-RenderedMarkdown').first()
    ).toContainText('Llama-2-13b-chat');
  });

  test('catalog screenshots in the light and dark themes', async ({
    page
  }, testInfo) => {
    await openPanelFromLauncher(page);
    await page.theme.setLightTheme();
    const panel = page.getByTestId('llama-neuron-panel');
    await panel.screenshot({ path: testInfo.outputPath('catalog-light.png') });
    await page.theme.setDarkTheme();
    expect(await page.theme.getTheme()).toBe('JupyterLab Dark');
    await panel.screenshot({ path: testInfo.outputPath('catalog-dark.png') });
    if (process.env.LLAMA_NEURON_README_SCREENSHOT) {
      await page.theme.setLightTheme();
      await panel.screenshot({
        path: process.env.LLAMA_NEURON_README_SCREENSHOT
      });
    }
    await page.theme.setLightTheme();
  });
});
