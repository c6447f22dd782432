import { useAuth } from './auth.ts';
import { KeyPrompt, KeyStatus } from './components/key-prompt.tsx';
import { CreateJobPage } from './pages/create-job-page.tsx';
import { FilesPage } from './pages/files-page.tsx';
import { JobPage } from './pages/job-page.tsx';
import { JobsPage } from './pages/jobs-page.tsx';
import { ModelsPage } from './pages/models-page.tsx';
import { PlaygroundPage } from './pages/playground-page.tsx';
import { ProjectPage, ProjectsPage } from './pages/projects-page.tsx';
import { WebhookPage, WebhooksPage } from './pages/webhooks-page.tsx';
import { onLinkClick, useLocation } from './router.ts';

const NAV = [
  ['/', 'Jobs'],
  ['/new', 'New job'],
  ['/files', 'Files'],
  ['/models', 'Models'],
  ['/playground', 'Playground'],
  ['/webhooks', 'Webhooks'],
  ['/projects', 'Projects'],
] as const;

function route(path: string) {
  const job = /^\/jobs\/([^/]+)$/.exec(path);
  if (job) return <JobPage key={job[1]} id={decodeURIComponent(job[1]!)} />;
  const project = /^\/projects\/([^/]+)$/.exec(path);
  if (project) return <ProjectPage key={project[1]} id={decodeURIComponent(project[1]!)} />;
  const webhook = /^\/webhooks\/([^/]+)$/.exec(path);
  if (webhook) return <WebhookPage key={webhook[1]} id={decodeURIComponent(webhook[1]!)} />;
  switch (path) {
    case '/':
      return <JobsPage />;
    case '/new':
      return <CreateJobPage />;
    case '/files':
      return <FilesPage />;
    case '/models':
      return <ModelsPage />;
    case '/playground':
      return <PlaygroundPage />;
    case '/webhooks':
      return <WebhooksPage />;
    case '/projects':
      return <ProjectsPage />;
    default:
      return <p class="error">No page at {path}.</p>;
  }
}

export function App() {
  const { path } = useLocation();
  const { session } = useAuth();
  const current = path.startsWith('/jobs/') ? '/' : path.startsWith('/projects/') ? '/projects' : path.startsWith('/webhooks/') ? '/webhooks' : path;
  return (
    <div class="app" onClick={onLinkClick}>
      <nav class="topbar">
        <a class="brand" href="/">
          selftune
        </a>
        {NAV.map(([href, label]) => (
          <a key={href} href={href} class={current === href ? 'current' : ''}>
            {label}
          </a>
        ))}
        <KeyStatus />
      </nav>
      <main key={session}>{route(path)}</main>
      <KeyPrompt />
    </div>
  );
}
