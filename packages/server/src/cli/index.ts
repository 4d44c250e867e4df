import { startCortex } from '../app.js';
import { ConfigError, loadConfig } from '../config/index.js';
import { errorMessage } from '../errors.js';
import { runKeysCli } from './keys.js';
import { runLedgerCli } from './ledger.js';
import { createLogger } from '../observability/logger.js';

const USAGE = `usage: cortex <command>

commands:
  serve     start the gRPC server (configuration from CORTEX_* environment variables)
  ledger verify [--from N] [--to M]
            check the ledger's hashes, links and signatures offline (server stopped)
  keys create|list|revoke
            manage the API key file (CORTEX_API_KEYS_FILE); see cortex keys help
  bridge    follow a server's ledger and forward each transaction to a webhook or stdout
            (a client of a running server; "cortex bridge --help" lists its options)
  help      show this message`;

/** Runs a CLI command and resolves to the process exit code. */
export async function runCli(args: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  const [command = 'help'] = args;
  switch (command) {
    case 'serve':
      return serve(env);
    case 'ledger':
      return runLedgerCli(args.slice(1), env);
    case 'keys':
      return runKeysCli(args.slice(1), env);
    case 'bridge':
      // A client of a server, not part of it: loaded only when asked for.
      return (await import('@cortex/bridge')).runBridgeCli(args.slice(1), env);
    case 'help':
    case '--help':
    case '-h':
      console.log(USAGE);
      return 0;
    default:
      console.error(`cortex: unknown command "${command}"\n\n${USAGE}`);
      return 2;
  }
}

async function serve(env: NodeJS.ProcessEnv): Promise<number> {
  let config;
  try {
    config = loadConfig(env);
  } catch (error: unknown) {
    if (error instanceof ConfigError) {
      console.error(`cortex: ${error.message}`);
      return 78; // EX_CONFIG
    }
    throw error;
  }
  const logger = createLogger({ level: config.logLevel });
  // A stray rejected promise is a bug to fix, not a reason to drop every client's connection.
  process.on('unhandledRejection', (reason: unknown) => {
    logger.error('unhandled promise rejection', { error: reason instanceof Error ? reason.stack : String(reason) });
  });
  // Without CORTEX_SIGNING_KEY the ledger warns loudly itself (it keeps a development key in the data dir).
  let cortex;
  try {
    cortex = await startCortex({ config, logger });
  } catch (error: unknown) {
    logger.error('cortex failed to start', { error: errorMessage(error) });
    return 1;
  }
  // SIGHUP re-reads the API key file and the TLS certificates; what fails to load is logged and the old stays.
  const onHangUp = () => {
    logger.info('signal received', { signal: 'SIGHUP' });
    void cortex.reload();
  };
  process.on('SIGHUP', onHangUp);
  await new Promise<void>((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      logger.info('signal received', { signal });
      resolve();
    };
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
  });
  process.off('SIGHUP', onHangUp);
  await cortex.stop();
  return 0;
}
