import { readFile } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import { credentials, type ChannelCredentials, type ChannelOptions } from '@grpc/grpc-js';
import { CortexClient } from '@cortex/client';
import { runBridge } from './bridge.js';
import { cursorFile } from './cursor.js';
import type { Sink } from './event.js';
import { createBridgeLogger } from './logger.js';
import { parseBridgeArgs, secretProblem, UsageError, USAGE, type BridgeOptions, type TlsFiles, type WebhookSettings } from './options.js';
import { createNdjsonSink } from './sinks/ndjson.js';
import { createWebhookSink } from './sinks/webhook.js';

export interface BridgeIo {
  readonly stdout: Writable;
  readonly stderr: Writable;
}

/**
 * `cortex bridge ...`: runs the bridge until SIGTERM/SIGINT (or --to-seq) and resolves to the
 * exit status: 0 stopped, 1 failed (details in the log), 2 bad options.
 */
export async function runBridgeCli(
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  io: BridgeIo = { stdout: process.stdout, stderr: process.stderr },
): Promise<number> {
  let options: BridgeOptions | 'help';
  try {
    options = parseBridgeArgs(args, env);
  } catch (error: unknown) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr.write(`cortex bridge: ${error.message}\n\n${USAGE}\n`);
    return 2;
  }
  if (options === 'help') {
    io.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const logger = createBridgeLogger(options.logLevel);
  const stop = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    logger.info('signal received; stopping', { signal });
    stop.abort();
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  let client: CortexClient | undefined;
  try {
    const sink = await sinkOf(options, io, logger);
    client = new CortexClient({ address: options.address, apiKey: options.apiKey, ...(await channelOf(options.tls)) });
    const cortex = client;
    const { namespace, actions, agentId, toSeq } = options;
    await runBridge(
      {
        subscribe: (fromSeq, signal) => cortex.subscribeCommits({ fromSeq, namespace, actions, agentId, toSeq }, { signal }),
        sink,
        cursor: cursorFile(options.cursorPath),
        fromSeq: options.fromSeq === 'head' ? await headPlusOne(cortex) : options.fromSeq,
        logger,
      },
      stop.signal,
    );
    return 0;
  } catch (error: unknown) {
    if (error instanceof UsageError) {
      io.stderr.write(`cortex bridge: ${error.message}\n`);
      return 2;
    }
    logger.error('bridge failed', { error: error instanceof Error ? error.message : String(error) });
    return 1;
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    client?.close();
  }
}

async function sinkOf(options: BridgeOptions, io: BridgeIo, logger: ReturnType<typeof createBridgeLogger>): Promise<Sink> {
  if (options.sink.kind === 'stdout') {
    io.stdout.on('error', (error) => logger.error('stdout failed', { error: error.message }));
    return createNdjsonSink(io.stdout);
  }
  return createWebhookSink({ ...options.sink, secret: await secretOf(options.sink.secret), logger });
}

async function secretOf(secret: WebhookSettings['secret']): Promise<string> {
  if ('value' in secret) return secret.value;
  const value = (await readOption(secret.file, '--secret-file')).toString('utf8').trimEnd();
  const problem = secretProblem(value, secret.file);
  if (problem !== undefined) throw new UsageError(problem);
  return value;
}

async function channelOf(tls: TlsFiles | undefined): Promise<{ credentials?: ChannelCredentials; channelOptions?: ChannelOptions }> {
  if (tls === undefined) return {};
  const [ca, cert, key] = await Promise.all([
    tls.ca === undefined ? null : readOption(tls.ca, '--ca'),
    tls.cert === undefined ? null : readOption(tls.cert, '--cert'),
    tls.key === undefined ? null : readOption(tls.key, '--key'),
  ]);
  return {
    credentials: credentials.createSsl(ca, key, cert),
    ...(tls.serverName === undefined ? {} : { channelOptions: { 'grpc.ssl_target_name_override': tls.serverName } }),
  };
}

async function readOption(path: string, flag: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (error: unknown) {
    throw new UsageError(`${flag} ${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** The seq the next transaction will get: where `--from-seq head` starts. */
async function headPlusOne(cortex: CortexClient): Promise<number> {
  const page = await cortex.getEntries({ pageSize: 1 });
  return page.headSeq + 1;
}
