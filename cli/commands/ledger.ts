import { ledgerHead, readCheckpoint, verifyChain } from '../../ledger/ledger-store';
import { operatorLedgerKey } from '../../platform/ledger-key';
import { loadConfig } from '../../platform/config';
import { nemoHome } from '../../platform/nemo-home';
import { ownerClient } from '../../platform/postgres/postgres';
import { UsageError, type Command } from '../command';

/** `nemo ledger verify`: recomputes the hash chain and names the first broken entry. */
export const ledgerCommand: Command = {
  name: 'ledger',
  usage: 'ledger verify [--json]',
  summary:
    'Recompute the keyed ledger chain (and the newest head published outside the database); name the first broken entry',
  async run({ positionals, values, io, env }) {
    if (positionals[0] !== 'verify') throw new UsageError(`unknown ledger action "${positionals[0] ?? ''}"`);
    const config = loadConfig(env);
    const client = ownerClient(config.DATABASE_URL);
    await client.connect();
    try {
      const checkpoint = readCheckpoint(nemoHome(config.NEMO_HOME).ledgerCheckpoints);
      const total = (await ledgerHead(client)).seq;
      const report = await verifyChain(client, {
        key: operatorLedgerKey(config),
        checkpoint,
        onProgress: (checked) => {
          if (!values.json && process.stderr.isTTY) process.stderr.write(`\rverifying ${checked}/${total} entries`);
        },
      });
      if (!values.json && process.stderr.isTTY) process.stderr.write('\n');
      if (values.json) {
        io.out(JSON.stringify({ ...report, checkpoint: checkpoint ?? null }, null, 2));
      } else if (report.ok) {
        io.out(`ledger OK: ${report.entries} entries, head ${report.head.seq} ${report.head.hash}`);
        io.out(
          checkpoint
            ? `published head ${checkpoint.seq} (${checkpoint.publishedAt}) matches`
            : 'no published head to compare yet',
        );
      } else {
        io.out(
          `ledger BROKEN at entry ${report.firstBreak!.seq} (${report.firstBreak!.reason}): ${report.firstBreak!.detail}`,
        );
        io.out(`${report.entries} entries before it verified`);
      }
      return report.ok ? 0 : 1;
    } finally {
      await client.end();
    }
  },
};
