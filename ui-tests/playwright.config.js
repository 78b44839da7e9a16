/**
 * Galata configuration: Debian's system Chromium (never a downloaded browser), no video
 * (Playwright's ffmpeg is not installed), one worker (2-core machines).
 *
 * Two servers: local mode with the real SmolLM2 stand-in on LLAMA_NEURON_UI_PORT (default 18888, so the
 * tests never meet a JupyterLab the user runs on 8888), and the SageMaker backend against the in-process AWS
 * emulator on the next port (only sagemaker.spec.ts runs there). A third, `studio`, serves local mode the
 * way SageMaker Studio does (base URL /jupyterlab/default/, no token, XSRF checked) on the port after that,
 * and runs studio.spec.ts there.
 */
const baseConfig = require('@jupyterlab/galata/lib/playwright-config');

const PORT = Number(process.env.LLAMA_NEURON_UI_PORT || 18888);
const LOCAL_URL = `http://127.0.0.1:${PORT}`;
const SAGEMAKER_URL = `http://127.0.0.1:${PORT + 1}`;
const STUDIO_URL = `http://127.0.0.1:${PORT + 2}/jupyterlab/default`;

module.exports = {
  ...baseConfig,
  workers: 1,
  timeout: 240000,
  expect: { timeout: 30000 },
  use: {
    ...baseConfig.use,
    video: 'off',
    trace: 'off',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run'
      ]
    }
  },
  projects: [
    {
      name: 'local',
      testIgnore: /(sagemaker|studio)\.spec\.ts/,
      use: { baseURL: LOCAL_URL }
    },
    {
      name: 'sagemaker',
      testMatch: /sagemaker\.spec\.ts/,
      use: { baseURL: SAGEMAKER_URL }
    },
    {
      name: 'studio',
      testMatch: /studio\.spec\.ts/,
      use: { baseURL: `${STUDIO_URL}/` }
    }
  ],
  webServer: [
    {
      command: 'jlpm start',
      url: `${LOCAL_URL}/lab`,
      timeout: 180 * 1000,
      reuseExistingServer: !process.env.CI
    },
    {
      command: 'jlpm start:sagemaker',
      url: `${SAGEMAKER_URL}/lab`,
      timeout: 180 * 1000,
      reuseExistingServer: !process.env.CI
    },
    {
      command: 'jlpm start:studio',
      url: `${STUDIO_URL}/lab`,
      timeout: 180 * 1000,
      reuseExistingServer: !process.env.CI
    }
  ]
};
