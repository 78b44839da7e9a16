import { nullTranslator } from '@jupyterlab/translation';

import { ICostGuard, ICostGuardWarning } from '../api/types';
import {
  autoDeleteOptions,
  autoDeleteValue,
  CostGuardModel,
  formatAutoDelete,
  formatDeletesIn,
  formatIdle,
  ICostGuardNews,
  msUntil,
  parseAutoDeleteValue,
  SERVER_DEFAULT,
  totalHourlyBurn,
  withGuardInfo
} from '../models/costGuard';
import { normalizeSettings } from '../models/panelSettings';
import { endpoint } from './fixtures';

const trans = nullTranslator.load('jupyter_llama_neuron');
const NOW = Date.parse('2024-01-17T10:00:00Z');

function guard(extra: Partial<ICostGuard> = {}): ICostGuard {
  return {
    enabled: false,
    default_idle_minutes: 0,
    checked_at: '2024-01-17T10:00:00Z',
    interval_s: 60,
    activity_known: true,
    notes: [],
    total_hourly_burn: 16.57,
    endpoints_hourly_burn: 16.57,
    training_hourly_burn: 0,
    endpoints: [],
    warnings: [],
    deletions: [],
    ...extra
  };
}

function warning(name: string, deletesAt: string): ICostGuardWarning {
  return {
    endpoint: name,
    deletes_at: deletesAt,
    idle_minutes: 12,
    auto_delete_idle_minutes: 15,
    price_per_hour: 0.99
  };
}

describe('auto-delete formatting', () => {
  it('formats limits, idle time and the time left', () => {
    expect(formatAutoDelete(null, trans)).toBe('off');
    expect(formatAutoDelete(0, trans)).toBe('off');
    expect(formatAutoDelete(15, trans)).toBe('15 min');
    expect(formatAutoDelete(120, trans)).toBe('2 h');
    expect(formatIdle(null, false, trans)).toBe('—');
    expect(formatIdle(undefined, false, trans)).toBe('—');
    expect(formatIdle(12.4, false, trans)).toBe('12 min');
    expect(formatIdle(0.5, false, trans)).toBe('30 s');
    expect(formatIdle(180, true, trans)).toBe('at least 3 h 0 min');
    expect(msUntil('2024-01-17T10:04:00Z', NOW)).toBe(240_000);
    expect(msUntil('not a date', NOW)).toBeNull();
    expect(formatDeletesIn('2024-01-17T10:04:00Z', NOW, trans)).toBe(
      'in 4 min'
    );
    expect(formatDeletesIn('2024-01-17T09:59:00Z', NOW, trans)).toBe(
      'any moment now'
    );
    expect(formatDeletesIn(null, NOW, trans)).toBe('');
  });

  it('offers the server default, never, the standard choices and a custom value', () => {
    const options = autoDeleteOptions(trans, {
      defaultMinutes: 60,
      current: 45
    });
    expect(options.map(o => o.value)).toEqual([
      SERVER_DEFAULT,
      '0',
      '15',
      '30',
      '45',
      '60',
      '120'
    ]);
    expect(options[0].label).toBe('Server default (1 h)');
    expect(options[1].label).toBe('Never');
    expect(options[2].label).toBe('After 15 min idle');
    expect(autoDeleteOptions(trans, { defaultMinutes: null })[0].label).toBe(
      'Server default'
    );
    expect(autoDeleteOptions(trans).map(o => o.value)).toEqual([
      '0',
      '15',
      '30',
      '60',
      '120'
    ]);
  });

  it('maps select values to idle minutes and back', () => {
    expect(parseAutoDeleteValue(SERVER_DEFAULT)).toBeNull();
    expect(parseAutoDeleteValue('0')).toBe(0);
    expect(parseAutoDeleteValue('30')).toBe(30);
    expect(parseAutoDeleteValue('-5')).toBeNull();
    expect(
      autoDeleteValue(
        endpoint('a', 'InService', {
          auto_delete_idle_minutes: 60,
          auto_delete_source: 'server'
        })
      )
    ).toBe(SERVER_DEFAULT);
    expect(
      autoDeleteValue(
        endpoint('a', 'InService', {
          auto_delete_idle_minutes: null,
          auto_delete_source: 'endpoint'
        })
      )
    ).toBe('0');
    expect(
      autoDeleteValue(
        endpoint('a', 'InService', {
          auto_delete_idle_minutes: 30,
          auto_delete_source: 'endpoint'
        })
      )
    ).toBe('30');
  });

  it('lays the guard view over an endpoint and totals the burn', () => {
    const base = endpoint('a', 'InService');
    expect(withGuardInfo(base, undefined)).toBe(base);
    const merged = withGuardInfo(base, {
      name: 'a',
      status: 'InService',
      price_per_hour: 0.99,
      idle_minutes: 7,
      idle_capped: false,
      last_activity_at: null,
      auto_delete_idle_minutes: 15,
      auto_delete_source: 'endpoint',
      keep_until: null,
      deletes_at: '2024-01-17T10:08:00Z',
      warning: false
    });
    expect(merged.idle_minutes).toBe(7);
    expect(merged.deletes_at).toBe('2024-01-17T10:08:00Z');
    expect(merged.name).toBe('a');
    const list = [
      endpoint('a', 'InService', { price_per_hour: 15.58 }),
      endpoint('b', 'Failed', { price_per_hour: 0.99 }),
      endpoint('c', 'InService', { backend: 'local', price_per_hour: null }),
      endpoint('d', 'Creating', { price_per_hour: 0.99 })
    ];
    expect(totalHourlyBurn(null, list)).toBeCloseTo(16.57);
    expect(totalHourlyBurn(guard({ total_hourly_burn: 3.5 }), list)).toBe(3.5);
  });

  it('reads the UI setting for the deploy form', () => {
    expect(normalizeSettings({}).autoDeleteIdleMinutes).toBeNull();
    expect(
      normalizeSettings({ autoDeleteIdleMinutes: 30 }).autoDeleteIdleMinutes
    ).toBe(30);
    expect(
      normalizeSettings({ autoDeleteIdleMinutes: -1 }).autoDeleteIdleMinutes
    ).toBeNull();
  });
});

describe('CostGuardModel', () => {
  it('announces new warnings once, cleared warnings and new deletions', async () => {
    const answers: ICostGuard[] = [
      guard({
        deletions: [
          {
            endpoint: 'old',
            backend: 'sagemaker',
            model_id: 'm',
            instance_type: 'ml.inf2.xlarge',
            price_per_hour: 0.99,
            idle_minutes: 20,
            auto_delete_idle_minutes: 15,
            deleted_at: '2024-01-16T10:00:00Z',
            reason: 'idle'
          }
        ]
      }),
      guard({ warnings: [warning('a', '2024-01-17T10:05:00Z')] }),
      guard({ warnings: [warning('a', '2024-01-17T10:05:00Z')] }),
      guard({ warnings: [] })
    ];
    answers[3].deletions = [
      {
        ...answers[0].deletions[0],
        endpoint: 'a',
        deleted_at: '2024-01-17T10:06:00Z'
      },
      ...answers[0].deletions
    ];
    let call = 0;
    const source = { getCostGuard: jest.fn(async () => answers[call++]) };
    const model = new CostGuardModel({ source, pollInterval: 60_000 });
    const news: ICostGuardNews[] = [];
    model.news.connect((_, item) => news.push(item));
    try {
      await model.refresh();
      expect(news).toEqual([]); // the log of earlier deletions is not news
      await model.refresh();
      expect(news.map(n => n.warnings.map(w => w.endpoint))).toEqual([['a']]);
      await model.refresh();
      expect(news).toHaveLength(1); // the same warning is not repeated
      await model.refresh();
      expect(news).toHaveLength(2);
      expect(news[1].cleared).toEqual(['a']);
      expect(news[1].deletions.map(d => d.endpoint)).toEqual(['a']);
      expect(model.state?.total_hourly_burn).toBe(16.57);
    } finally {
      model.dispose();
    }
  });

  it('keeps the last answer when a refresh fails', async () => {
    const source = {
      getCostGuard: jest
        .fn()
        .mockResolvedValueOnce(guard())
        .mockRejectedValue(new Error('offline'))
    };
    const model = new CostGuardModel({ source });
    try {
      await model.refresh();
      await model.refresh();
      expect(model.state?.total_hourly_burn).toBe(16.57);
      expect(model.lastError?.message).toBe('offline');
      await expect(model.refresh(true)).rejects.toBeTruthy();
    } finally {
      model.dispose();
    }
  });
});
