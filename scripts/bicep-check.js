// Syntax-checks Bicep files with tree-sitter-bicep (no Bicep compiler can be installed here), and lists a
// template's Function App settings for the test that compares them with what TaskFlow reads.
//   node scripts/bicep-check.js FILE...              exits 1 naming each file and line that does not parse
//   node scripts/bicep-check.js --app-settings FILE  prints the names under appSettings as a JSON array
const fs = require('fs');
const Parser = require('tree-sitter');
const Bicep = require('tree-sitter-bicep');

const parser = new Parser();
parser.setLanguage(Bicep);
const parse = (file) => parser.parse(fs.readFileSync(file, 'utf8'));

function* walk(node) {
  yield node;
  for (const child of node.namedChildren) yield* walk(child);
}

function syntaxErrors(file) {
  const errors = [];
  for (const node of walk(parse(file).rootNode)) {
    if (node.type === 'ERROR' || node.isMissing) {
      errors.push(`${file}:${node.startPosition.row + 1}:${node.startPosition.column + 1}: ${node.isMissing ? 'missing ' + node.type : 'cannot parse "' + node.text.slice(0, 40) + '"'}`);
    }
  }
  return errors;
}

// Object properties are (object_property (identifier) value); appSettings holds objects with a name property.
function appSettingNames(file) {
  const names = [];
  for (const node of walk(parse(file).rootNode)) {
    if (node.type !== 'object_property' || node.namedChildren[0]?.text !== 'appSettings') continue;
    for (const entry of walk(node.namedChildren[1])) {
      if (entry.type === 'object_property' && entry.namedChildren[0]?.text === 'name') {
        names.push(entry.namedChildren[1].text.replace(/^'|'$/g, ''));
      }
    }
  }
  return names;
}

const args = process.argv.slice(2);
if (args[0] === '--app-settings') {
  console.log(JSON.stringify(appSettingNames(args[1])));
} else {
  const errors = args.flatMap(syntaxErrors);
  errors.forEach((e) => console.error(e));
  if (errors.length > 0) process.exit(1);
  console.log(`Bicep syntax OK: ${args.join(', ')}`);
}
