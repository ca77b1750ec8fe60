import { useQuery } from '@tanstack/react-query';
import { ErrorBanner } from '../../components/error-banner.tsx';
import { dateTime } from '../../lib/format.ts';
import { live } from '../../lib/polling.ts';
import { useTRPC } from '../../lib/trpc.ts';

/** Every version with where it comes from, its digest, offline metrics, input schema and author. */
export function VersionsPanel({ model }: { model: string }) {
  const trpc = useTRPC();
  const versions = useQuery(trpc.versions.list.queryOptions({ model, includeArchived: true }, live));
  return (
    <section className="panel" aria-labelledby="versions-title">
      <h2 id="versions-title">Versions</h2>
      <ErrorBanner error={versions.error} />
      {versions.data && (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Version</th>
                <th scope="col">Status</th>
                <th scope="col">Source</th>
                <th scope="col">Digest</th>
                <th scope="col">Metrics</th>
                <th scope="col">Input schema</th>
                <th scope="col">Created</th>
              </tr>
            </thead>
            <tbody>
              {versions.data.map((v) => (
                <tr key={v.version} data-version={v.version}>
                  <td>{v.version}</td>
                  <td>{v.status}</td>
                  <td className="wrap">
                    {v.backend.kind === 'onnx'
                      ? `onnx: ${v.artifact?.uri ?? ''}`
                      : `${v.backend.kind}: ${v.backend.url}`}
                  </td>
                  <td>
                    {v.artifact ? (
                      <code title={v.artifact.sha256}>{v.artifact.sha256.slice(0, 12)}…</code>
                    ) : (
                      '—'
                    )}
                  </td>
                  <td>
                    {Object.entries(v.metrics)
                      .map(([name, value]) => `${name}=${value}`)
                      .join(', ') || '—'}
                  </td>
                  <td>
                    {v.inputSchema ? (
                      <details>
                        <summary>
                          {Object.keys((v.inputSchema.properties as object | undefined) ?? {}).length} fields
                        </summary>
                        <pre>{JSON.stringify(v.inputSchema, null, 2)}</pre>
                      </details>
                    ) : (
                      '—'
                    )}
                  </td>
                  <td>
                    {v.createdBy}, {dateTime(v.createdAt)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
