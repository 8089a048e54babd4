// Totals the TRX files of a test run, names every test that did not pass with the start of its message
// (the console logger prints failures among hundreds of passes, and CI shows only a run's tail), and ends
// with the line "N passed, N failed". A test that did not run counts as failed; so does a run with no results.
//   node scripts/trx-summary.js DIR    exits 1 on any failure
const fs = require('fs');
const path = require('path');

const dir = process.argv[2];
const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.trx')) : [];
const notPassed = ['failed', 'error', 'timeout', 'aborted', 'notExecuted'];
const messageLines = 8;

const attribute = (tag, name) => (tag.match(new RegExp(` ${name}="([^"]*)"`)) || [])[1];
const decode = (text) =>
  text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'")
    .replace(/&#x([0-9a-f]+);/gi, (_, hex) => String.fromCodePoint(parseInt(hex, 16)))
    .replace(/&#([0-9]+);/g, (_, dec) => String.fromCodePoint(parseInt(dec, 10)))
    .replace(/&amp;/g, '&');

let passed = 0;
let failed = 0;
const failures = [];
for (const file of files) {
  const trx = fs.readFileSync(path.join(dir, file), 'utf8');
  const counters = trx.match(/<Counters [^>]*>/)?.[0] ?? '';
  passed += Number(attribute(counters, 'passed') ?? 0);
  for (const name of notPassed) failed += Number(attribute(counters, name) ?? 0);

  // A result is self-closing when it passed quietly; otherwise its body holds the output and the error.
  for (const [, tag, body] of trx.matchAll(/(<UnitTestResult [^>]*?)(?:\/>|>([\s\S]*?)<\/UnitTestResult>)/g)) {
    const outcome = attribute(tag, 'outcome');
    if (outcome === 'Passed') continue;
    const message = body?.match(/<Message>([\s\S]*?)<\/Message>/)?.[1] ?? '(no message)';
    failures.push({ name: decode(attribute(tag, 'testName')), outcome, message: decode(message) });
  }
}

if (failures.length > 0) {
  console.log(`\nTests that did not pass (${failures.length}):`);
  for (const { name, outcome, message } of failures) {
    console.log(`  ${outcome}: ${name}`);
    for (const line of message.split('\n').slice(0, messageLines)) console.log(`      ${line.trimEnd()}`);
  }
}
if (passed === 0 && failed === 0) {
  failed = 1;
  console.error('No test results were written.');
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
