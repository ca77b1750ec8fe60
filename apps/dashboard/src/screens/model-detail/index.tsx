import { useQuery } from '@tanstack/react-query';
import { ErrorBanner } from '../../components/error-banner.tsx';
import { navigate } from '../../lib/navigation.ts';
import { live } from '../../lib/polling.ts';
import { canAct, type Session } from '../../lib/session.ts';
import { useTRPC } from '../../lib/trpc.ts';
import { ActionsPanel } from './actions-panel.tsx';
import { AuditPanel } from './audit-panel.tsx';
import { CachePanel } from './cache-panel.tsx';
import { SplitEditor } from './split-editor.tsx';
import { SplitPanel } from './split-panel.tsx';
import { VersionsPanel } from './versions-panel.tsx';

/** One model: its split and replicas, its versions, the editor and actions (operators only), its audit trail. */
export function ModelDetailScreen({ model, session }: { model: string; session: Session }) {
  const trpc = useTRPC();
  const traffic = useQuery(trpc.traffic.get.queryOptions({ model }, live));
  const operator = canAct(session);

  return (
    <section aria-labelledby="model-title">
      <p>
        <a
          href="/ui/"
          onClick={(event) => {
            event.preventDefault();
            navigate('/');
          }}
        >
          ← All models
        </a>
      </p>
      <h1 id="model-title">{model}</h1>
      <p>
        <a
          href={`/ui/compare/${encodeURIComponent(model)}`}
          onClick={(event) => {
            event.preventDefault();
            navigate(`/compare/${encodeURIComponent(model)}`);
          }}
        >
          Compare its versions →
        </a>
      </p>
      <ErrorBanner error={traffic.error} />
      {traffic.data && (
        <>
          <SplitPanel traffic={traffic.data} />
          {operator && <SplitEditor traffic={traffic.data} />}
          {operator && <ActionsPanel traffic={traffic.data} />}
          {operator && <CachePanel traffic={traffic.data} />}
        </>
      )}
      <VersionsPanel model={model} />
      <AuditPanel model={model} />
    </section>
  );
}
