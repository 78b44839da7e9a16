import { expect, test } from '@jupyterlab/galata';
import { ensureEndpoint, openPanelFromLauncher } from './helpers';

const BASE_MODEL = 'meta-textgenerationneuron-llama-2-7b';
const API = '/llama-neuron/api/v1';

/** Instruction records about invented places; the last 3 are held out for the evaluation. */
function dataset(): string {
  const places = [
    ['Lonzorden', 'Ulul'],
    ['Brasket', 'Timora'],
    ['Quellin', 'Vashe'],
    ['Dravonia', 'Kelth'],
    ['Ossamar', 'Priv'],
    ['Zentrak', 'Mulo']
  ];
  const rows = [];
  for (let copy = 0; copy < 2; copy++) {
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

test.describe('Evaluate in local mode', () => {
  test.setTimeout(900000);

  test('a completed training job → Evaluate on held-out rows → report with scores, chart and rows', async ({
    page,
    request
  }) => {
    const job = `ui-eval-${Date.now()}`;
    const tuned = `${job}-tuned`;
    await ensureEndpoint(request, BASE_MODEL, 'ui-base');

    // A short fine-tune through the REST API (the wizard has its own test): 3 held-out rows.
    const stored = await request.post(`${API}/datasets`, {
      data: {
        filename: 'capitals.jsonl',
        content: dataset(),
        dataset_format: 'instruction',
        holdout: 3
      }
    });
    expect(stored.status()).toBe(201);
    const { uri } = await stored.json();
    const started = await request.post(`${API}/training-jobs`, {
      data: {
        model_id: BASE_MODEL,
        dataset_uri: uri,
        dataset_format: 'instruction',
        hyperparameters: {
          max_steps: 2,
          per_device_train_batch_size: 4,
          max_input_length: 256
        },
        job_name: job
      }
    });
    expect(started.status()).toBe(202);
    await expect
      .poll(
        async () =>
          (await (await request.get(`${API}/training-jobs/${job}`)).json())
            .status,
        { timeout: 600000, intervals: [2000] }
      )
      .toBe('Completed');
    const deployed = await request.post(`${API}/endpoints`, {
      data: { model_id: BASE_MODEL, training_job: job, endpoint_name: tuned }
    });
    expect(deployed.status()).toBe(202);
    await expect
      .poll(
        async () =>
          (await (await request.get(`${API}/endpoints/${tuned}`)).json())
            .status,
        { timeout: 300000, intervals: [1000] }
      )
      .toBe('InService');

    // The UI: the job's page → Evaluate on held-out rows.
    await openPanelFromLauncher(page);
    await page.getByTestId('llama-neuron-tab-finetune').click();
    await page
      .getByTestId(`llama-neuron-training-job-row-${job}`)
      .getByTestId('llama-neuron-training-job-open')
      .click();
    const evaluate = page.getByTestId('llama-neuron-training-evaluate');
    await expect(evaluate).toBeVisible({ timeout: 60000 });
    await evaluate.click();

    const view = page.getByTestId('llama-neuron-evaluate');
    await expect(view).toBeVisible();
    await expect(
      view.locator('select[data-testid="llama-neuron-evaluate-endpoint-b"], [data-testid="llama-neuron-evaluate-endpoint-b"] select').first()
    ).toHaveValue(tuned);
    await expect(
      view.getByTestId('llama-neuron-evaluate-source-heldout')
    ).toBeChecked();
    await view.getByTestId('llama-neuron-evaluate-run').click();

    const report = view.getByTestId('llama-neuron-evaluation-report');
    await expect(report).toBeVisible({ timeout: 60000 });
    await expect(
      report.getByTestId('llama-neuron-evaluation-progress')
    ).toContainText('/ 3 rows');
    await expect(report).toHaveAttribute('data-status', 'completed', {
      timeout: 300000
    });
    await expect(
      report.getByTestId('llama-neuron-evaluation-progress')
    ).toContainText('3 / 3 rows');
    const summary = report.getByTestId('llama-neuron-evaluation-summary');
    await expect(summary.locator('tbody tr[data-endpoint]')).toHaveCount(2);
    await expect(summary).toContainText(tuned);
    await expect(report.getByTestId('llama-neuron-evaluation-wins')).toContainText(
      /\d+ wins, \d+ ties, \d+ losses/
    );
    await expect(
      report
        .getByTestId('llama-neuron-evaluation-chart')
        .getByTestId('llama-neuron-evaluation-bar')
    ).toHaveCount(6);
    await expect(
      report.getByTestId('llama-neuron-evaluation-row')
    ).toHaveCount(3);

    // Bedrock JSON Lines of the fine-tuned endpoint downloads as a file.
    const download = page.waitForEvent('download');
    await report
      .getByTestId('llama-neuron-evaluation-export-bedrock')
      .last()
      .click();
    expect((await download).suggestedFilename()).toMatch(
      new RegExp(`${tuned}-bedrock\\.jsonl$`)
    );

    // Saved and listed with its job.
    const saved = view.getByTestId('llama-neuron-evaluation-list-item').first();
    await expect(saved).toContainText(job);
    await request.delete(`${API}/endpoints/${tuned}`);
  });
});
