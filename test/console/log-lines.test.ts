/** The logs page's split of a log into the agent's setup lines and the command's output. */
import t from 'tap';
import { SETUP_PREFIX as AGENT_PREFIX } from '../../agent/runner/setup-log.js';
import { SETUP_PREFIX, splitSetupLines } from '../../console/src/log-lines.js';

t.equal(SETUP_PREFIX, AGENT_PREFIX, 'the console looks for the prefix the agent writes');

t.same(splitSetupLines(''), [], 'nothing in, nothing out');
t.same(splitSetupLines('a\nb\n'), [{ setup: false, text: 'a\nb\n' }], 'no setup line: one segment');
t.same(
  splitSetupLines('[batch] input x: 6 B\n[batch] mount y\nout 1\nout 2\n[batch] outputs: no files to upload\npartial'),
  [
    { setup: true, text: '[batch] input x: 6 B\n' },
    { setup: true, text: '[batch] mount y\n' },
    { setup: false, text: 'out 1\nout 2\n' },
    { setup: true, text: '[batch] outputs: no files to upload\n' },
    { setup: false, text: 'partial' },
  ],
  'each setup line alone, the lines between as one run, a last line without its newline kept',
);
t.same(
  splitSetupLines('say [batch] mid-line\n'),
  [{ setup: false, text: 'say [batch] mid-line\n' }],
  'only a line that starts with the prefix is the agent’s',
);
