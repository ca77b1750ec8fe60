import { run } from './cli.ts';

// A closed pipe (`modelplane audit | head`) is not an error worth a stack trace.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

// The only place the CLI reads its environment; everything below takes it as arguments.
process.exitCode = await run(process.argv.slice(2), {
  url: process.env.MODELPLANE_URL,
  token: process.env.MODELPLANE_TOKEN,
  dataDir: process.env.MODELPLANE_DATA_DIR,
  cwd: process.cwd(),
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
});
