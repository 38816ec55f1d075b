import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { readEntries } from '../../ledger/ledger-store';
import { dollars } from '../../policies/format';
import { TASK_QUEUES } from '../../policies/domains';
import { startSmtpFake, type SmtpFake } from '../../simulators/smtp/server';
import type { PublishedReport } from '../../workflows/operations/audit-report';
import { saveHistoryFixture } from '../support/histories';
import { atFileEnd } from '../support/stack';
import { buyYesLive, midRangeMarkets, startOpsStack, type OpsStack } from '../support/ops-stack';
import { approveStrategyForLive } from '../support/live-approval';
import { until } from '../support/until';
import { countColour, decodePng, PNG_SIGNATURE } from '../support/png-pixels';

const SERIES = 'KXSIMRAIN';
const SMTP_ACCOUNT = { user: 'nemo-reports', pass: 'smtp-pass-for-reports' };

describe('audits and reports: `nemo report` writes Markdown, HTML and real PNG charts of the period (real Temporal, PostgreSQL, loopback Kalshi)', () => {
  let stack: OpsStack;
  let smtp: SmtpFake;
  let snapshots = 0;
  const snapshot = () =>
    stack.client.workflow.execute('accountSnapshot', {
      taskQueue: TASK_QUEUES.control,
      workflowId: `account-snapshot-${++snapshots}`,
    });
  const workflowOf = async (type: string) => {
    for await (const run of stack.client.workflow.list({ query: `WorkflowType = '${type}'` })) return run.workflowId;
    throw new Error(`no ${type} workflow ran`);
  };
  const report = async (...argv: string[]): Promise<PublishedReport> => {
    assert.equal(await stack.cli('report', ...argv, '--json'), 0, stack.output.join('\n'));
    return JSON.parse(stack.output.at(-1)!) as PublishedReport;
  };

  before(async () => {
    smtp = await startSmtpFake(SMTP_ACCOUNT);
    atFileEnd(() => smtp.close());
    stack = await startOpsStack({
      guardians: [{ domain: 'live', venue: 'kalshi' }],
      env: { NEMO_APPROVED_MARKETS: `kalshi:${SERIES}-*`, NEMO_OPERATOR_EMAIL: 'operator@example.test' },
      controlSecrets: {
        smtp: JSON.stringify({
          host: smtp.host,
          port: smtp.port,
          secure: false,
          ...SMTP_ACCOUNT,
          from: 'nemo@example.test',
        }),
      },
    });
    await approveStrategyForLive(stack.pool, 'rain-edge');
    // The day: a snapshot, a trade, a snapshot, the market moves, a snapshot; and an hourly backup proven by a restore.
    const [market] = await midRangeMarkets(stack, SERIES);
    await snapshot();
    const trade = await buyYesLive(stack, 'live-trade/rain-edge/1', 'rain-edge', market!, 20);
    assert.equal(trade.outcome === 'done' && trade.status, 'filled');
    await until(
      async () => ((await stack.status('live', 'kalshi')).positions.length === 1 ? true : undefined),
      'the guardian to mark the position',
    );
    await snapshot();
    const before = (await stack.status('live', 'kalshi')).trading.equityCents;
    await stack.venues.control.kalshi.production.setYesPrice(market!, '0.90');
    await until(
      async () => ((await stack.status('live', 'kalshi')).trading.equityCents > before ? true : undefined),
      'the guardian to mark the price move',
    );
    await snapshot();
    await stack.client.workflow.execute('ledgerBackup', {
      taskQueue: TASK_QUEUES.control,
      workflowId: 'ledger-backup-1',
      args: [{ hourly: 24, daily: 7, weekly: 8 }],
    });
    await saveHistoryFixture(stack.client, 'account-snapshot-1', 'control');
  });

  it('nemo report daily: every check passes, the charts are PNG images plotting the day, and the operator gets it by email', async () => {
    const daily = await report('daily');
    assert.deepEqual(
      daily.findings.map((f) => `${f.check}:${f.ok}`),
      ['trades logged:true', 'positions within limits:true', 'API key health:true', 'backup integrity:true'],
    );
    assert.match(daily.findings[0]!.summary, /1 trade workflow\(s\), 1 fill\(s\); ledger of \d+ entries verifies/);
    assert.match(
      daily.findings[3]!.summary,
      /1 backup\(s\) proven, 0 failed; newest ledger-.+, restored and verified in \d+ ms/,
    );

    const names = daily.report.images.map((f) => path.basename(f));
    assert.deepEqual(names, ['equity.png', 'drawdown.png', 'exposure.png', 'strategy-pnl.png']);
    for (const image of daily.report.images) {
      const bytes = readFileSync(image);
      assert.ok(bytes.subarray(0, 8).equals(PNG_SIGNATURE), `${path.basename(image)} is a PNG`);
      const png = decodePng(bytes);
      assert.deepEqual([png.width, png.height], [900, 360]);
      // The first series is drawn in #1f77b4: a chart of the day's data has its line (or bars) in that colour.
      assert.ok(countColour(png, '#1f77b4') > 50, `${path.basename(image)} plots data`);
    }
    assert.ok(
      countColour(decodePng(readFileSync(daily.report.images[2]!)), '#d62728') > 50,
      'the exposure chart draws the limit line',
    );

    // The data points are the day's snapshots: three of them, first and last equity as the ledger recorded.
    const recorded = await readEntries(stack.pool, { kind: 'account.snapshot' });
    assert.equal(recorded.length, 3);
    const markdown = readFileSync(daily.report.markdown, 'utf8');
    const [first, last] = [Number(recorded[0]!.payload.equityCents), Number(recorded[2]!.payload.equityCents)];
    assert.ok(last > first, 'the price move raised the equity');
    assert.ok(
      markdown.includes(`| live:kalshi | ${dollars(first)} | ${dollars(last)} | ${dollars(last - first)} |`),
      markdown,
    );
    assert.match(markdown, /\| rain-edge \| 1 \| \$[\d.]+ \| \$0\.00 \| \$[\d.]+ \| \$[\d.]+ \| \$[\d.]+ \|/);
    assert.match(readFileSync(daily.report.html, 'utf8'), /<img src="equity\.png" alt="Equity by account">/);

    assert.match(daily.emailed, /^emailed to operator@example\.test/);
    const mail = smtp.messages.find((m) => m.subject.startsWith('[NEMO report] daily report'))!;
    assert.ok(mail, 'the report reached the operator');
    for (const file of [
      'equity.png',
      'drawdown.png',
      'exposure.png',
      'strategy-pnl.png',
      path.basename(daily.report.html),
    ])
      assert.match(mail.raw, new RegExp(`filename=.?${file.replace('.', '\\.')}`));
    const [audit] = await readEntries(stack.pool, { kind: 'audit.daily' });
    assert.deepEqual(audit!.payload.files, [daily.report.markdown, daily.report.html, ...daily.report.images]);
    await saveHistoryFixture(stack.client, await workflowOf('dailyAudit'), 'control');
  });

  it('nemo report weekly: performance against the risk limits and strategy effectiveness', async () => {
    const weekly = await report('weekly');
    assert.deepEqual(
      weekly.findings.map((f) => f.check),
      ['performance vs risk limits', 'strategy effectiveness'],
    );
    assert.match(weekly.findings[0]!.summary, /live:kalshi: worst daily loss [\d.]+%, max exposure [\d.]+%/);
    assert.match(weekly.findings[1]!.summary, /rain-edge: 1 fill\(s\), P&L \$[\d.]+, 0 refused/);
    assert.ok(
      weekly.findings.every((f) => f.ok),
      JSON.stringify(weekly.findings),
    );
    assert.ok(existsSync(weekly.report.html));
    await saveHistoryFixture(stack.client, await workflowOf('weeklyReview'), 'control');
  });

  it('nemo report monthly: a restore drill with its recovery time, the simulated injection attack, the operator review', async () => {
    const monthly = await report('monthly');
    const [drill, attack, review] = monthly.findings;
    assert.equal(drill!.check, 'disaster recovery drill');
    assert.ok(drill!.ok, drill!.summary);
    assert.match(
      drill!.summary,
      /backup ledger-.+ restored and verified in \d+ ms \(recovery time\), \d+ ledger entries/,
    );
    assert.equal(attack!.check, 'simulated attacks (injection corpus)');
    assert.ok(attack!.ok, attack!.problems.join('\n'));
    assert.match(attack!.summary, /^912 attacks: [\d.]+% flagged/);
    assert.equal(review!.check, 'operator review');
    assert.match(review!.summary, /operator command\(s\)/);
    const [drillEntry] = await readEntries(stack.pool, { kind: 'backup.restore-drill' });
    assert.equal(drillEntry!.payload.ok, true);
    await saveHistoryFixture(stack.client, await workflowOf('monthlyDeepDive'), 'control');
  });

  it('refuses a bad report request, naming what is wrong', async () => {
    assert.equal(await stack.cli('report', 'yearly'), 2);
    assert.match(stack.output.at(-1)!, /give one report kind: daily, weekly or monthly/);
    assert.equal(await stack.cli('report', 'daily', '--as-of', 'last tuesday'), 2);
    assert.match(stack.output.at(-1)!, /--as-of "last tuesday" is not an ISO time/);
  });
});
