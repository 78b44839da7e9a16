import { expect, test } from '@jupyterlab/galata';
import { ensureEndpoint, openPanelFromLauncher } from './helpers';

const BASE_MODEL = 'meta-textgenerationneuron-llama-2-7b';
const API = '/llama-neuron/api/v1';

/** Instruction records about invented places: facts no base model can know. */
function instructionDataset(): string {
  const places = [
    ['Lonzorden', 'Ulul'],
    ['Brasket', 'Timora'],
    ['Quellin', 'Vashé'],
    ['Dravonia', 'Kelth'],
    ['Ossamar', 'Priv'],
    ['Zentrak', 'Mulo'],
    ['Farrowen', 'Issk'],
    ['Helvane', 'Dorrin']
  ];
  const rows: string[] = [];
  for (let copy = 0; copy < 3; copy++) {
    for (const [country, capital] of places) {
      rows.push(
        JSON.stringify({
          instruction: `What is the capital of ${country}?`,
          context: `${country} is a small country; its capital is ${capital}.`,
          response: `The capital of ${country} is ${capital}.`
        })
      );
    }
  }
  return rows.join('\n') + '\n';
}

test.describe('Fine-tune in local mode', () => {
  test.setTimeout(900000);

  test('upload, preflight, launch, loss curve, deploy the fine-tuned model, compare', async ({
    page,
    request
  }) => {
    await ensureEndpoint(request, BASE_MODEL, 'ui-base');
    await openPanelFromLauncher(page);
    await page.getByTestId('llama-neuron-tab-finetune').click();
    const newJob = page.getByTestId('llama-neuron-finetune-new').first();
    if (await newJob.isVisible()) {
      await newJob.click();
    }

    // Model: only fine-tunable models can be chosen.
    await expect(
      page.getByTestId(
        'llama-neuron-finetune-model-meta-textgenerationneuron-llama-2-7b-f'
      )
    ).toBeDisabled();
    await page.getByTestId(`llama-neuron-finetune-model-${BASE_MODEL}`).check();
    await page.getByTestId('llama-neuron-finetune-next').click();

    // Dataset: upload a file, instruction format, default template.
    await page.getByTestId('llama-neuron-dataset-file').setInputFiles({
      name: 'capitals.jsonl',
      mimeType: 'application/jsonl',
      buffer: Buffer.from(instructionDataset())
    });
    await page.getByTestId('llama-neuron-dataset-format-instruction').check();
    await expect(page.getByTestId('llama-neuron-dataset-template')).toHaveValue(
      /\{instruction\}/
    );
    await page.getByTestId('llama-neuron-preflight-run').click();

    // Preflight report with the token histogram.
    const report = page.getByTestId('llama-neuron-preflight-report');
    await expect(report).toBeVisible({ timeout: 60000 });
    await expect(report).toContainText('24');
    const histogram = page.getByTestId('llama-neuron-token-histogram');
    await expect(histogram).toBeVisible();
    // Bins come from the data, so the first bar may be empty (zero height): look for one that shows.
    await expect(
      histogram.locator('rect').filter({ visible: true }).first()
    ).toBeVisible();
    await page.getByTestId('llama-neuron-finetune-next').click();

    // Hyperparameters: a short run.
    await page.getByTestId('llama-neuron-hyperparameter-max_steps').fill('6');
    await page.getByTestId('llama-neuron-finetune-next').click();

    // Instance, estimated cost, launch.
    await expect(page.getByTestId('llama-neuron-training-cost')).toBeVisible();
    await page.getByTestId('llama-neuron-training-launch').click();

    const job = page.getByTestId('llama-neuron-training-job');
    await expect(job).toBeVisible({ timeout: 60000 });
    await expect(page.getByTestId('llama-neuron-loss-summary')).toBeVisible({
      timeout: 300000
    });
    await expect(
      page.getByTestId('llama-neuron-training-status')
    ).toContainText('Completed', { timeout: 600000 });
    await expect(
      page.getByTestId('llama-neuron-loss-curve').locator('circle')
    ).toHaveCount(6);

    // Deploy the fine-tuned model through the precompiled-configuration form.
    await page.getByTestId('llama-neuron-training-deploy').click();
    await page.getByTestId('llama-neuron-deploy-submit').click();
    const compare = page.getByTestId('llama-neuron-training-compare');
    await expect(compare).toBeVisible({ timeout: 60000 });
    await expect
      .poll(
        async () => {
          const listed = await (await request.get(`${API}/endpoints`)).json();
          const tuned = listed.endpoints.filter(
            (endpoint: { training_job: string | null }) => endpoint.training_job
          );
          return (
            tuned.length > 0 &&
            tuned.every(
              (endpoint: { status: string }) => endpoint.status === 'InService'
            )
          );
        },
        { timeout: 300000, intervals: [1000] }
      )
      .toBe(true);

    // Compare with base: held-out prompts, both answers side by side.
    await compare.click();
    await expect(page.getByTestId('llama-neuron-compare')).toBeVisible();
    await page.getByTestId('llama-neuron-compare-run').click();
    const rows = page.getByTestId('llama-neuron-compare-row');
    await expect(rows.first()).toBeVisible({ timeout: 60000 });
    await expect(
      page.getByTestId('llama-neuron-compare-progress')
    ).toContainText(/(\d+)\/\1/, { timeout: 300000 });
    await expect(
      rows.first().getByTestId('llama-neuron-compare-answer-a')
    ).not.toBeEmpty();
    await expect(
      rows.first().getByTestId('llama-neuron-compare-answer-b')
    ).not.toBeEmpty();
  });
});
