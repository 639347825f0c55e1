// Runs graphql-http's server audit against a running Baton and fails on any MUST or SHOULD
// item that does not pass. Usage: node audit.mjs http://127.0.0.1:8080/graphql
import { serverAudits } from 'graphql-http';

const url = process.argv[2] ?? 'http://127.0.0.1:8080/graphql';
let failed = 0;
for (const audit of serverAudits({ url, fetchFn: fetch })) {
  const result = await audit.fn();
  const level = audit.name.split(' ')[0];
  const line = `${result.status.padEnd(7)} ${audit.name}`;
  if (result.status !== 'ok' && (level === 'MUST' || level === 'SHOULD')) {
    failed += 1;
    console.log(`${line}\n        ${result.reason}`);
  } else {
    console.log(line);
  }
}
console.log(failed ? `${failed} MUST/SHOULD audit(s) failed` : 'every MUST and SHOULD audit passed');
process.exit(failed ? 1 : 0);
