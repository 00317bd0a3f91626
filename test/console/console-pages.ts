/** The console's pages, shared by the Chromium tests and the other browsers' walk. */

/** Every page of the console, with what shows that its data has arrived. */
export function consolePages(jobId: string): { path: string; ready: string; name: string }[] {
  const task = `/jobs/${jobId}/tasks/a`;
  return [
    { name: 'jobs', path: '/jobs', ready: 'tbody tr' },
    { name: 'job', path: `/jobs/${jobId}`, ready: '.react-flow__node' },
    { name: 'task-instance', path: `${task}?instance=0`, ready: '.attempts table' },
    { name: 'log', path: `${task}/instances/0/logs?stream=stdout&attempt=1`, ready: '[data-testid="log-output"]' },
    { name: 'templates-list', path: '/templates', ready: 'tbody tr' },
    { name: 'template-edit', path: '/templates/batch-hello', ready: 'textarea#template-command' },
    { name: 'template-new', path: '/templates/new', ready: 'textarea#template-command' },
    { name: 'builder-page', path: '/builder', ready: '.palette li' },
    { name: 'environments', path: '/environments', ready: 'tbody tr' },
    { name: 'nodes', path: '/nodes', ready: 'tbody tr' },
    { name: 'storage', path: '/storage', ready: 'main h1' },
    { name: 'tokens', path: '/tokens', ready: 'tbody tr' },
    { name: 'admin', path: '/admin', ready: 'tbody tr' },
  ];
}
