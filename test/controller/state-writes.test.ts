/**
 * The rules of controller layering, checked on the source so they hold after whoever wrote them:
 *
 *  - a state is spelled in SQL only by controller/db/state-sql.ts, whose guards come from the
 *    transition table in protocol/states.ts (no `state = 'READY'` typed by hand anywhere else,
 *    nor a state literal given to drizzle's `.set()`, `.values()` or `eq()`);
 *  - controller/http/ holds no SQL: it parses, authorizes and calls a domain module.
 *
 * The scanner is tried on planted violations first, so it cannot pass by finding nothing.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import ts from 'typescript';
import { ATTEMPT_STATES, INSTANCE_STATES, JOB_STATES, NODE_STATES, TASK_STATES } from '../../protocol/states.js';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const STATE_NAMES = new Set<string>([
  ...JOB_STATES,
  ...TASK_STATES,
  ...INSTANCE_STATES,
  ...ATTEMPT_STATES,
  ...NODE_STATES,
]);
const QUOTED_STATE = new RegExp(`'(${[...STATE_NAMES].join('|')})'`);
const GUARD_HELPER = 'controller/db/state-sql.ts';
const DRIZZLE_COMPARISONS = new Set(['eq', 'ne', 'inArray', 'notInArray']);

interface Finding {
  file: string;
  line: number;
  rule: string;
  text: string;
}

function isStateLiteral(node: ts.Node): boolean {
  if (ts.isStringLiteralLike(node)) return STATE_NAMES.has(node.text);
  if (ts.isArrayLiteralExpression(node)) return node.elements.some(isStateLiteral);
  return false;
}

/** Every place in `source` where a state is written into SQL by hand. */
export function stateLiteralsInSql(file: string, source: string): Finding[] {
  const sf = ts.createSourceFile(file, source, ts.ScriptTarget.ES2022, true);
  const findings: Finding[] = [];
  const report = (node: ts.Node, rule: string) =>
    findings.push({
      file,
      line: sf.getLineAndCharacterOfPosition(node.getStart()).line + 1,
      rule,
      text: node.getText().slice(0, 100),
    });
  const visit = (node: ts.Node): void => {
    if (ts.isTaggedTemplateExpression(node) && node.tag.getText() === 'sql') {
      const parts = ts.isNoSubstitutionTemplateLiteral(node.template)
        ? [node.template.text]
        : [node.template.head.text, ...node.template.templateSpans.map((s) => s.literal.text)];
      if (parts.some((p) => QUOTED_STATE.test(p))) report(node, 'a state literal in SQL');
    }
    if (ts.isCallExpression(node)) {
      const callee = node.expression;
      const name = ts.isPropertyAccessExpression(callee) ? callee.name.text : callee.getText();
      if ((name === 'set' || name === 'values') && ts.isPropertyAccessExpression(callee)) {
        for (const arg of node.arguments) {
          if (!ts.isObjectLiteralExpression(arg)) continue;
          for (const prop of arg.properties) {
            if (ts.isPropertyAssignment(prop) && prop.name.getText() === 'state' && isStateLiteral(prop.initializer))
              report(prop, `a state literal given to .${name}()`);
          }
        }
      }
      if (DRIZZLE_COMPARISONS.has(name)) {
        const [column, value] = node.arguments;
        if (
          column &&
          value &&
          ts.isPropertyAccessExpression(column) &&
          column.name.text === 'state' &&
          isStateLiteral(value)
        )
          report(node, `a state literal compared by ${name}()`);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return findings;
}

/** Every place in an http/ file that reaches the database itself. */
export function sqlInHttp(file: string, source: string): Finding[] {
  const sf = ts.createSourceFile(file, source, ts.ScriptTarget.ES2022, true);
  const findings: Finding[] = [];
  const report = (node: ts.Node, rule: string) =>
    findings.push({
      file,
      line: sf.getLineAndCharacterOfPosition(node.getStart()).line + 1,
      rule,
      text: node.getText().slice(0, 100),
    });
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const from = node.moduleSpecifier.text;
      const typeOnly = node.getText().startsWith('import type ');
      if (from === 'drizzle-orm' || from.endsWith('/db/schema.js') || (from.endsWith('/db/client.js') && !typeOnly))
        report(node, `imports ${from}`);
    }
    if (ts.isTaggedTemplateExpression(node) && node.tag.getText() === 'sql') report(node, 'an SQL template');
    if (ts.isPropertyAccessExpression(node) && node.name.text === 'db' && node.expression.getText().endsWith('store'))
      report(node, 'a query through store.db');
    if (ts.isPropertyAccessExpression(node) && node.name.text === 'rows' && node.expression.getText().endsWith('store'))
      report(node, 'a query through store.rows');
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return findings;
}

function sourcesUnder(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
    .map((f) => path.join(dir, f));
}

t.test('the scanners find planted violations', async (t) => {
  const planted = [
    "const q = sql`UPDATE nodes SET state = 'LOST' WHERE id = ${id}`;",
    "await db.update(nodes).set({ state: 'DRAINING' });",
    "await db.insert(jobs).values({ id, state: 'PENDING' });",
    "await db.select().from(nodes).where(eq(nodes.state, 'READY'));",
    "await db.select().from(nodes).where(inArray(nodes.state, ['READY', 'LOST']));",
  ];
  for (const line of planted) t.equal(stateLiteralsInSql('planted.ts', line).length, 1, line);
  const allowed = [
    "const q = sql`UPDATE nodes SET state = ${stateValue('nodes', 'LOST')} WHERE ${canMoveTo('nodes', 'LOST')}`;",
    "if (node.state === 'TERMINATED') return;",
    "const q = sql`UPDATE attempts SET desired = 'stop'`;",
  ];
  for (const line of allowed) t.same(stateLiteralsInSql('allowed.ts', line), [], line);
  t.equal(sqlInHttp('h.ts', "import { eq } from 'drizzle-orm';").length, 1);
  t.equal(sqlInHttp('h.ts', 'const rows = await deps.store.db.select().from(x);').length, 1);
  t.equal(sqlInHttp('h.ts', 'const q = sql`SELECT 1`;').length, 1);
  t.same(sqlInHttp('h.ts', "import type { Database } from '../db/client.js';"), []);
});

t.test('no controller file spells a state in SQL but the guard helper', async (t) => {
  const files = sourcesUnder('controller').filter((f) => f !== GUARD_HELPER && !f.includes('/migrations/'));
  t.ok(files.length > 50, `${files.length} controller files scanned`);
  const findings = files.flatMap((f) => stateLiteralsInSql(f, readFileSync(path.join(ROOT, f), 'utf8')));
  t.same(
    findings.map((f) => `${f.file}:${f.line}: ${f.rule}: ${f.text}`),
    [],
    'write states through controller/db/state-sql.ts (stateValue, stateIn, canMoveTo, transitionAllowed)',
  );
});

t.test('controller/http holds no SQL', async (t) => {
  const files = sourcesUnder('controller/http');
  t.ok(files.length > 5, `${files.length} http files scanned`);
  const findings = files.flatMap((f) => sqlInHttp(f, readFileSync(path.join(ROOT, f), 'utf8')));
  t.same(
    findings.map((f) => `${f.file}:${f.line}: ${f.rule}: ${f.text}`),
    [],
    'move queries into a domain module (controller/jobs, nodes, environments, templates, access, storage)',
  );
});
