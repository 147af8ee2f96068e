// The cdk8s app (`npm run synth`, `cdk8s synth`): synthesizes every environment into dist/<env>/.
// Flags are those of `roleplane synth` (--env, --values, --out).
import { runCli } from './cli/main.js';

process.exitCode = await runCli(['synth', ...process.argv.slice(2)]);
