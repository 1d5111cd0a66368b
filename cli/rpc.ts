// `owkms rpc`: JSON-RPC 2.0 lines from stdin to the KMS and its answers to stdout, caller `cli`, until stdin closes.
// Lines go to the KMS as they are (it validates them); answers come back with the sender's own ids.
import type { ChannelClient } from '../kms-process/client/channelClient.js';
import { lineSplitter } from '../kms-process/client/lineStreamPort.js';
import { isStdoutGone } from './output.js';

export async function runRpc(client: ChannelClient): Promise<void> {
  await new Promise<void>((resolve) => {
    let inFlight = 0;
    let ended = false;
    const maybeDone = () => {
      if (ended && inFlight === 0) resolve();
    };
    process.stdin.on(
      'data',
      lineSplitter((line) => {
        inFlight++;
        void client.forwardRaw(line).then((answer) => {
          inFlight--;
          if (!isStdoutGone()) process.stdout.write(answer + '\n');
          maybeDone();
        });
      }),
    );
    process.stdin.on('end', () => {
      ended = true;
      maybeDone();
    });
    // Nobody reads the answers any more: stop reading requests, as a pipe's writer does.
    process.stdout.once('error', () => {
      process.stdin.destroy();
      resolve();
    });
  });
}
