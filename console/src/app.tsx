/** The shell: sign-in when there is no session, else the navigation and the page the path names. */
import type { ReactNode } from 'react';
import { LanguageSelect } from './components/language-select.js';
import { useI18n } from './i18n/i18n.js';
import type { MessageKey } from './i18n/en.js';
import { AdminPage } from './pages/admin.js';
import { BuilderPage } from './pages/builder.js';
import { EnvironmentsPage } from './pages/environments.js';
import { JobPage } from './pages/job.js';
import { JobsPage } from './pages/jobs.js';
import { LogsPage } from './pages/logs.js';
import { NodesPage } from './pages/nodes.js';
import { NotFoundPage } from './pages/not-found.js';
import { OssPage } from './pages/oss.js';
import { SignInPage } from './pages/sign-in.js';
import { TaskPage } from './pages/task.js';
import { TemplateEditPage } from './pages/template-edit.js';
import { TemplatesPage } from './pages/templates.js';
import { TokensPage } from './pages/tokens.js';
import { Link, matchPath, useRouter } from './router.js';
import { useSessionState } from './session.js';

interface Route {
  pattern: string;
  render(params: Record<string, string>): ReactNode;
}

const ROUTES: Route[] = [
  { pattern: '/', render: () => <JobsPage /> },
  { pattern: '/jobs', render: () => <JobsPage /> },
  { pattern: '/jobs/:id', render: (p) => <JobPage id={p.id!} /> },
  { pattern: '/jobs/:id/tasks/:task', render: (p) => <TaskPage jobId={p.id!} task={p.task!} /> },
  {
    pattern: '/jobs/:id/tasks/:task/instances/:index/logs',
    render: (p) => <LogsPage jobId={p.id!} task={p.task!} index={Number(p.index)} />,
  },
  { pattern: '/builder', render: () => <BuilderPage /> },
  { pattern: '/templates', render: () => <TemplatesPage /> },
  { pattern: '/templates/new', render: () => <TemplateEditPage /> },
  { pattern: '/templates/:name', render: (p) => <TemplateEditPage name={p.name} /> },
  { pattern: '/environments', render: () => <EnvironmentsPage /> },
  { pattern: '/nodes', render: () => <NodesPage /> },
  { pattern: '/storage', render: () => <OssPage /> },
  { pattern: '/tokens', render: () => <TokensPage /> },
  { pattern: '/admin', render: () => <AdminPage /> },
];

const NAV: { to: string; label: MessageKey; adminOnly?: boolean }[] = [
  { to: '/jobs', label: 'nav.jobs' },
  { to: '/builder', label: 'nav.builder' },
  { to: '/templates', label: 'nav.templates' },
  { to: '/environments', label: 'nav.environments' },
  { to: '/nodes', label: 'nav.nodes' },
  { to: '/storage', label: 'nav.storage' },
  { to: '/tokens', label: 'nav.tokens' },
  { to: '/admin', label: 'nav.admin', adminOnly: true },
];

export function App() {
  const { session } = useSessionState();
  const { path } = useRouter();
  if (!session) return <SignInPage />;
  let page: ReactNode = <NotFoundPage />;
  for (const route of ROUTES) {
    const params = matchPath(route.pattern, path);
    if (params) {
      page = route.render(params);
      break;
    }
  }
  return (
    <>
      <Header
        admin={session.admin}
        path={path}
        onSignOut={() => {
          session.signOut();
        }}
      />
      <main>{page}</main>
    </>
  );
}

function Header({ admin, path, onSignOut }: { admin: boolean; path: string; onSignOut: () => void }) {
  const { t } = useI18n();
  return (
    <header className="top">
      <Link to="/jobs" className="brand">
        {t('app.title')}
      </Link>
      <nav aria-label={t('nav.label')}>
        {NAV.filter((item) => admin || !item.adminOnly).map((item) => {
          const current = path === item.to || path.startsWith(`${item.to}/`) || (item.to === '/jobs' && path === '/');
          return (
            <Link key={item.to} to={item.to} aria-current={current ? 'page' : undefined}>
              {t(item.label)}
            </Link>
          );
        })}
      </nav>
      <div className="top-right">
        <LanguageSelect labelHidden />
        <button type="button" onClick={onSignOut}>
          {t('action.signOut')}
        </button>
      </div>
    </header>
  );
}
