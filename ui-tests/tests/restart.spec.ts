import { expect, test } from '@jupyterlab/galata';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import { deleteEndpoint, ensureEndpoint, openPanelFromLauncher } from './helpers';

const MODEL = 'meta-textgenerationneuron-llama-2-7b-f';

/**
 * The PID the test server recorded for an endpoint's worker: its record in the server's local state
 * directory (LLAMA_NEURON_UI_DATA_DIR, else the throw-away `llama-neuron-ui-*` dir the server made; the
 * endpoint name is unique, so only this server's dir has it).
 */
function workerPid(name: string): number {
  const configured = process.env.LLAMA_NEURON_UI_DATA_DIR;
  const dirs = configured
    ? [configured]
    : fs
        .readdirSync(os.tmpdir())
        .filter(entry => entry.startsWith('llama-neuron-ui-'))
        .map(entry => path.join(os.tmpdir(), entry));
  for (const dir of dirs) {
    const record = path.join(dir, 'local', 'endpoints', `${name}.json`);
    if (fs.existsSync(record)) {
      const pid = JSON.parse(fs.readFileSync(record, 'utf-8')).pid;
      expect(pid).toBeGreaterThan(0);
      return pid;
    }
  }
  throw new Error(`No record of endpoint ${name} in ${dirs.join(', ')}`);
}

// Local mode: a worker killed from outside (SIGKILL), seen in Resources, restarted with its button.
test.describe('Restart a failed local endpoint', () => {
  test.setTimeout(420000);

  test('a killed worker shows Failed with the signal; Restart brings it back', async ({
    page,
    request
  }) => {
    const name = `restart-ui-${Date.now()}`;
    await ensureEndpoint(request, MODEL, name);

    await openPanelFromLauncher(page);
    await page.getByTestId('llama-neuron-tab-resources').click();
    const row = page.getByTestId(`llama-neuron-endpoint-row-${name}`);
    const status = row.getByTestId('llama-neuron-endpoint-status');
    await expect(status).toContainText('InService');
    const restart = row.getByRole('button', {
      name: `Restart endpoint ${name}`
    });
    await expect(restart).toHaveCount(0);

    process.kill(workerPid(name), 'SIGKILL');
    // The list polls only endpoints that are changing: the user refreshes to see the crash.
    const refresh = page.getByTestId('llama-neuron-refresh');
    await expect(async () => {
      await refresh.click();
      await expect(status).toContainText('Failed', { timeout: 2000 });
    }).toPass({ timeout: 60000 });
    await expect(row.getByTestId('llama-neuron-endpoint-failure')).toContainText(
      'SIGKILL'
    );

    // Keyboard-reachable: focus it and press Enter.
    await restart.focus();
    await page.keyboard.press('Enter');
    await expect(status).toContainText('Creating');
    await expect(row.getByTestId('llama-neuron-endpoint-elapsed')).toContainText(
      'restarting'
    );
    await expect(status).toContainText('InService', { timeout: 300000 });
    await expect(restart).toHaveCount(0);
    await expect(row.getByTestId('llama-neuron-endpoint-try')).toBeVisible();

    await deleteEndpoint(request, name);
  });
});
