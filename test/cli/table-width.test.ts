import t from 'tap';
import { formatTable } from '../../cli/table.js';
import { displayWidth, loadTextWidth, truncateToWidth } from '../../cli/text-width.js';
import { jobsTable } from '../../cli/views/jobs.js';
import { job } from '../support/api-fixtures.js';

const NOW = Date.parse('2026-11-27T10:00:00.000Z');

// What CliContext.render does before it renders text for people.
t.before(loadTextWidth);

/** The display column at which `word` starts on each line (the lines that have it). */
function startsOf(table: string, word: RegExp): number[] {
  return table.split('\n').map((line) => displayWidth(line.slice(0, line.search(word))));
}

t.test('CJK and emoji count two columns each, so the columns after them stay aligned', async (t) => {
  const table = jobsTable(
    [
      job({ id: 'j-1', name: '渲染任务-夜间批处理' }),
      job({ id: 'j-2', name: 'nightly' }),
      job({ id: 'j-3', name: '🚀 launch' }),
    ],
    NOW,
    {},
  );
  t.same(new Set(startsOf(table, /STATE|RUNNING/)).size, 1, `STATE starts at one column on every line:\n${table}`);
  t.same(new Set(startsOf(table, /CREATED|just now/)).size, 1, 'and so does CREATED');
  t.equal(displayWidth('渲染任务-夜间批处理'), 19);
  t.equal(displayWidth('🚀 launch'), 9);
});

t.test('a table wider than the terminal shrinks its widest shrinkable column with an ellipsis', async (t) => {
  const rows = [
    ['j-1', 'RUNNING', '渲染任务-夜间批处理-第二阶段-合成', 'a long message about why it is slow'],
    ['j-2', 'PENDING', 'short', 'ok'],
  ];
  const columns = ['ID', 'STATE', 'NAME', 'MESSAGE'];
  const natural = formatTable(columns, rows, undefined);
  t.equal(natural.split('\n')[1]!.includes('…'), false, 'no width given (not a terminal): nothing is cut');
  const fitted = formatTable(columns, rows, 50);
  for (const line of fitted.split('\n')) t.ok(displayWidth(line) <= 50, `fits 50 columns: ${line}`);
  t.match(
    fitted,
    /j-1 {2}RUNNING {2}渲染任务-夜间批… {3}a long message a…/,
    'the widest columns are cut, widest first',
  );
  t.equal(new Set(startsOf(fitted, /MESSAGE|a long|ok/)).size, 1, 'and the columns stay aligned');
  const narrow = formatTable(columns, rows, 30);
  t.match(narrow, /^ID {3}STATE {4}NAME/, 'the first column and short ones keep their width');
  t.match(narrow, /\nj-1 {2}RUNNING/, 'the id is never cut');
  t.match(narrow, /\nj-2 {2}PENDING {2}short {2}/, 'short cells (states, names of a few letters) are never cut');
});

t.test('right-aligned figures are never cut; a table that cannot shrink enough stays as it is', async (t) => {
  const columns = ['ID', { header: 'COUNT', align: 'right' as const }];
  const rows = [['an-identifier', '123456789']];
  t.equal(formatTable(columns, rows, 10), formatTable(columns, rows, undefined));
});

t.test('truncateToWidth cuts whole characters and graphemes, never half of a wide one', async (t) => {
  t.equal(truncateToWidth('渲染任务', 5), '渲染…', 'two wide characters (4 columns) and the ellipsis');
  t.equal(truncateToWidth('渲染任务', 8), '渲染任务', 'fits: unchanged');
  t.equal(truncateToWidth('👩‍👩‍👧‍👦 family', 3), '👩‍👩‍👧‍👦…', 'a family emoji is one grapheme of width 2');
  t.equal(truncateToWidth('abcdef', 4), 'abc…');
  t.equal(truncateToWidth('abc', 0), '');
});
