/**
 * The panel as SageMaker Studio serves JupyterLab: base URL /jupyterlab/default/, no token, the XSRF check on
 * (project `studio` in playwright.config.js). Plain Playwright rather than Galata's fixtures, whose own
 * set-up requests assume a server at the root of its origin.
 */
import { expect, Page, Request, test } from '@playwright/test';

const MODEL_13B_CHAT = 'meta-textgenerationneuron-llama-2-13b-f';

async function openLab(page: Page): Promise<void> {
  await page.goto('lab');
  await expect(page.locator('#jupyterlab-splash')).toHaveCount(0, {
    timeout: 120000
  });
  const card = page.locator('.jp-LauncherCard', {
    hasText: 'Llama 2 on Neuron'
  });
  await card.first().click();
  await expect(page.getByTestId('llama-neuron-panel')).toBeVisible();
}

test.describe('Under the SageMaker Studio base URL', () => {
  test('every request goes under /jupyterlab/default/ and writes carry the XSRF token', async ({
    page,
    baseURL
  }) => {
    const ours: Request[] = [];
    page.on('request', request => {
      if (request.url().includes('llama-neuron/api/v1')) {
        ours.push(request);
      }
    });
    await openLab(page);
    await expect(page.getByTestId('llama-neuron-backend-label')).toHaveText(
      'Local mode (no AWS account)'
    );
    await expect(
      page.locator('[data-testid^="llama-neuron-model-card-"]')
    ).toHaveCount(6);

    // Writes: the licence, then the example notebook, which JupyterLab opens.
    await page.getByTestId(`llama-neuron-model-card-${MODEL_13B_CHAT}`).click();
    await page.getByTestId('llama-neuron-custom-deploy').click();
    const dialog = page.getByTestId('llama-neuron-eula-dialog');
    await expect(dialog).toBeVisible();
    await page.getByTestId('llama-neuron-eula-checkbox').check();
    await page.getByTestId('llama-neuron-eula-accept').click();
    await expect(dialog).toBeHidden();
    await expect(page.getByTestId('llama-neuron-deploy-form')).toBeVisible();
    await page.getByTestId('llama-neuron-deploy-cancel').click();
    await expect(page.getByTestId('llama-neuron-eula-state')).toContainText(
      /accepted/i
    );
    await page.getByTestId('llama-neuron-open-notebook').click();
    await expect(
      page.locator('.lm-DockPanel-tabBar .lm-TabBar-tab', {
        hasText: /llama-2-13b.*\.ipynb/
      })
    ).toBeVisible({ timeout: 60000 });

    const prefix = new URL('llama-neuron/api/v1/', baseURL).href;
    expect(ours.length).toBeGreaterThan(3);
    for (const request of ours) {
      expect(request.url().startsWith(prefix)).toBe(true);
    }
    const writes = ours.filter(request => request.method() !== 'GET');
    expect(writes.map(request => request.method())).toContain('POST');
    for (const write of writes) {
      expect((await write.allHeaders())['x-xsrftoken']).toBeTruthy();
      const response = await write.response();
      expect(response?.status()).toBeLessThan(400);
    }
  });
});
