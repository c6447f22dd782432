import { KeyField } from './components/key-field.tsx';
import { CreateJobPage } from './pages/create-job-page.tsx';
import { FilesPage } from './pages/files-page.tsx';
import { JobPage } from './pages/job-page.tsx';
import { JobsPage } from './pages/jobs-page.tsx';
import { ModelsPage } from './pages/models-page.tsx';
import { PlaygroundPage } from './pages/playground-page.tsx';
import { onLinkClick, useLocation } from './router.ts';

const NAV = [
  ['/', 'Jobs'],
  ['/new', 'New job'],
  ['/files', 'Files'],
  ['/models', 'Models'],
  ['/playground', 'Playground'],
] as const;

function route(path: string) {
  const job = /^\/jobs\/([^/]+)$/.exec(path);
  if (job) return <JobPage key={job[1]} id={decodeURIComponent(job[1]!)} />;
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
    default:
      return <p class="error">No page at {path}.</p>;
  }
}

export function App() {
  const { path } = useLocation();
  const current = path.startsWith('/jobs/') ? '/' : path;
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
        <KeyField />
      </nav>
      <main>{route(path)}</main>
    </div>
  );
}
