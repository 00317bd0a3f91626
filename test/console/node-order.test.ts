/** The Nodes page's order: environment first, then names with their numbers in number order. */
import t from 'tap';
import { byEnvironmentAndName } from '../../console/src/node-order.js';

t.test('nodes by environment, then by name in number order', async (t) => {
  const nodes = ['auto-admin-10', 'auto-admin-2', 'auto-admin-0', 'auto-admin-9', 'auto-admin-1'].map((name) => ({
    environment: 'auto-admin',
    name,
  }));
  nodes.push({ environment: 'local', name: 'local-0' }, { environment: 'batch', name: 'z' });
  t.same(
    [...nodes].sort(byEnvironmentAndName).map((n) => n.name),
    ['auto-admin-0', 'auto-admin-1', 'auto-admin-2', 'auto-admin-9', 'auto-admin-10', 'z', 'local-0'],
  );
});
