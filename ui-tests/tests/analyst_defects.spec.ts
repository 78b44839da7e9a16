import { expect, test } from '@jupyterlab/galata';

import {
  deleteEndpoint,
  ensureEndpoint,
  modelWithoutLicence,
  openPanelFromLauncher
} from './helpers';

// Issue 12, the defects only a browser shows: the licence dialog's geometry and the Playground's layout.
const CHAT_7B = 'meta-textgenerationneuron-llama-2-7b-f';

test.use({ viewport: { width: 1440, height: 900 } });

test.describe('Issue 12 in the browser', () => {
  test.setTimeout(420000);

  test('defect 1: the licence dialog is a centred modal and the buttons behind it do nothing', async ({
    page,
    request
  }) => {
    // The dialog shows only for a licence not accepted yet on this server: the tests that run before this
    // one in a suite run (alphabetical) accept licences through the API, for one model each.
    const model = await modelWithoutLicence(request);
    test.skip(model === null, 'every licence was accepted by an earlier test');
    await openPanelFromLauncher(page);
    await page.getByTestId(`llama-neuron-model-card-${model}`).click();
    const custom = page.getByTestId('llama-neuron-custom-deploy');
    const behind = await custom.boundingBox();
    await page.getByTestId('llama-neuron-quick-deploy').click();
    const dialog = page.getByTestId('llama-neuron-eula-dialog');
    await expect(dialog).toBeVisible();

    // Title, text and links are all visible, and the dialog is centred in the viewport.
    await expect(
      dialog.getByRole('heading', { name: 'Llama 2 license' })
    ).toBeInViewport({
      ratio: 1
    });
    await expect(page.getByTestId('llama-neuron-eula-link')).toBeInViewport({
      ratio: 1
    });
    const box = (await dialog.boundingBox())!;
    const viewport = page.viewportSize()!;
    expect(Math.abs(box.x + box.width / 2 - viewport.width / 2)).toBeLessThan(
      viewport.width * 0.05
    );
    expect(Math.abs(box.y + box.height / 2 - viewport.height / 2)).toBeLessThan(
      viewport.height * 0.05
    );

    // What lies under Custom deploy is the modal's backdrop, not the button; a click there does nothing.
    const x = behind!.x + behind!.width / 2;
    const y = behind!.y + behind!.height / 2;
    const hit = await page.evaluate(
      ([px, py]) => {
        const element = document.elementFromPoint(px, py);
        return element?.closest('[data-testid]')?.getAttribute('data-testid');
      },
      [x, y]
    );
    expect(hit).not.toBe('llama-neuron-custom-deploy');
    await page.mouse.click(x, y);
    await expect(page.getByTestId('llama-neuron-deploy-form')).toHaveCount(0);

    await page.getByTestId('llama-neuron-eula-cancel').click();
    await expect(dialog).toBeHidden();
  });

  test('defect 10: the "You" bubble stays in its column and "Use again" does not wrap', async ({
    page,
    request
  }) => {
    await ensureEndpoint(request, CHAT_7B, 'a11y-chat');
    await openPanelFromLauncher(page);
    await page.getByTestId('llama-neuron-tab-playground').click();
    await page
      .locator('select[data-testid="llama-neuron-playground-endpoint"]')
      .or(
        page.getByTestId('llama-neuron-playground-endpoint').locator('select')
      )
      .first()
      .selectOption('a11y-chat');
    const input = page.getByTestId('llama-neuron-chat-input');
    await input.fill('A long question '.repeat(40));
    await page.getByTestId('llama-neuron-playground-send').click();
    await expect(
      page.locator(
        '[data-testid="llama-neuron-chat-message"][data-role="assistant"]'
      )
    ).toHaveAttribute('data-status', 'done', { timeout: 120000 });

    const you = (await page
      .locator('[data-testid="llama-neuron-chat-message"][data-role="user"]')
      .boundingBox())!;
    const column = (await input.boundingBox())!;
    expect(you.x + you.width).toBeLessThanOrEqual(column.x + column.width + 1);

    const useAgain = page.getByTestId('llama-neuron-history-reuse').first();
    await expect(useAgain).toBeVisible();
    const lines = await useAgain.evaluate(element => {
      const style = getComputedStyle(element);
      const label = element.querySelector('span') ?? element;
      const lineHeight = parseFloat(style.lineHeight) || 16;
      return label.getBoundingClientRect().height / lineHeight;
    });
    expect(lines).toBeLessThan(1.6);

    // The disabled Stop button is not painted as a warning.
    const stop = page.getByTestId('llama-neuron-playground-stop');
    await expect(stop).toBeDisabled();
    await expect(stop).not.toHaveClass(/jp-mod-warn/);

    // Other specs count the endpoints they see.
    await deleteEndpoint(request, 'a11y-chat');
  });
});
