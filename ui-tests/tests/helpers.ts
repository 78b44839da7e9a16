import { expect, IJupyterLabPageFixture } from '@jupyterlab/galata';
import { APIRequestContext, Locator } from '@playwright/test';

/** Open the panel from the launcher card, as a user would. */
export async function openPanelFromLauncher(
  page: IJupyterLabPageFixture
): Promise<Locator> {
  const card = page.locator('.jp-LauncherCard', {
    hasText: 'Llama 2 on Neuron'
  });
  await card.first().click();
  const panel = page.getByTestId('llama-neuron-panel');
  await expect(panel).toBeVisible();
  return panel;
}

/** Accept the Llama 2 licence in the dialog when it is shown (it is, until accepted once per model). */
export async function acceptEulaIfAsked(
  page: IJupyterLabPageFixture
): Promise<void> {
  const dialog = page.getByTestId('llama-neuron-eula-dialog');
  const form = page.getByTestId('llama-neuron-deploy-form');
  const resources = page.getByTestId('llama-neuron-resources');
  await expect(dialog.or(form).or(resources).first()).toBeVisible();
  if (await dialog.isVisible()) {
    const accept = page.getByTestId('llama-neuron-eula-accept');
    await expect(accept).toBeDisabled();
    await page.getByTestId('llama-neuron-eula-checkbox').check();
    await accept.click();
    await expect(dialog).toBeHidden();
  }
}

export async function searchCatalog(
  page: IJupyterLabPageFixture,
  query: string
): Promise<void> {
  const search = page.getByTestId('llama-neuron-search');
  await search.fill(query);
}

/** Choose an option of a JupyterLab HTMLSelect, whose testid may sit on the <select> or on its wrapper. */
export async function selectByTestId(
  page: IJupyterLabPageFixture,
  testId: string,
  value: string
): Promise<void> {
  const host = page.getByTestId(testId);
  const select = page
    .locator(`select[data-testid="${testId}"]`)
    .or(host.locator('select'))
    .first();
  await expect(select.locator(`option[value="${value}"]`)).toHaveCount(1, {
    timeout: 60000
  });
  await select.selectOption(value);
}

const API = '/llama-neuron/api/v1';

/** Deploy through the REST API (the deploy UI has its own test) and wait until the worker serves. */
export async function ensureEndpoint(
  request: APIRequestContext,
  modelId: string,
  name: string
): Promise<void> {
  expect(
    (
      await request.post(`${API}/models/${modelId}/eula`, {
        data: { accept: true }
      })
    ).ok()
  ).toBeTruthy();
  // A client token names one create request: a fresh one each time, so the endpoint is created again after a
  // test deleted it (the same token would return the deleted one); an existing endpoint answers 409.
  const created = await request.post(`${API}/endpoints`, {
    data: {
      model_id: modelId,
      endpoint_name: name,
      client_token: `${name}-${Date.now()}`
    }
  });
  expect([202, 409]).toContain(created.status());
  await expect
    .poll(
      async () =>
        (await (await request.get(`${API}/endpoints/${name}`)).json()).status,
      { timeout: 300000, intervals: [1000] }
    )
    .toBe('InService');
}

/** Delete every endpoint of the test server (a path test starts from none) and wait until they are gone. */
export async function deleteAllEndpoints(
  request: APIRequestContext
): Promise<void> {
  const listed = await (await request.get(`${API}/endpoints`)).json();
  for (const endpoint of listed.endpoints as { name: string }[]) {
    await request.delete(`${API}/endpoints/${endpoint.name}`);
  }
  await expect
    .poll(
      async () =>
        ((await (await request.get(`${API}/endpoints`)).json()).endpoints as [])
          .length,
      { timeout: 60000 }
    )
    .toBe(0);
}

/**
 * Count the user's clicks from now on: every trusted click anywhere in the page (Playwright's clicks,
 * checks and taps are trusted; clicks made by scripts are not). Returns a reader of the count.
 */
export async function countClicks(
  page: IJupyterLabPageFixture
): Promise<() => Promise<number>> {
  await page.evaluate(() => {
    const host = window as unknown as { llamaNeuronClicks: number };
    host.llamaNeuronClicks = 0;
    document.addEventListener(
      'click',
      event => {
        if (event.isTrusted) {
          host.llamaNeuronClicks += 1;
        }
      },
      true
    );
  });
  return () =>
    page.evaluate(
      () =>
        (window as unknown as { llamaNeuronClicks: number }).llamaNeuronClicks
    );
}

/** A catalog model whose licence this server has not recorded yet (the last one listed), or null. */
export async function modelWithoutLicence(
  request: APIRequestContext
): Promise<string | null> {
  const listed = await (await request.get(`${API}/models`)).json();
  const open = (
    listed.models as { id: string; eula_accepted: boolean }[]
  ).filter(model => !model.eula_accepted);
  return open.length > 0 ? open[open.length - 1].id : null;
}

/** Delete one endpoint through the API (a test's own, at its end) and wait until it is gone. */
export async function deleteEndpoint(
  request: APIRequestContext,
  name: string
): Promise<void> {
  await request.delete(`${API}/endpoints/${name}`);
  await expect
    .poll(
      async () => (await request.get(`${API}/endpoints/${name}`)).status(),
      {
        timeout: 60000
      }
    )
    .toBe(404);
}
