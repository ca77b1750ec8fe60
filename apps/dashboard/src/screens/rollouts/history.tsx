import { dateTime } from '../../lib/format.ts';
import type { Tick } from './types.ts';

/** Every recorded tick, newest first: step, decision and its reason, the state it left. */
export function TickHistory({ ticks }: { ticks: Tick[] }) {
  if (ticks.length === 0) return <p>No ticks recorded yet.</p>;
  return (
    <div className="table-wrap">
      <table className="ticks">
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">Step</th>
            <th scope="col">Decision</th>
            <th scope="col">Reason</th>
            <th scope="col">State after</th>
          </tr>
        </thead>
        <tbody>
          {ticks.map((t) => (
            <tr key={`${t.at}-${t.decision}`}>
              <td>{dateTime(t.at)}</td>
              <td className="num">{t.weight} %</td>
              <td>{t.decision}</td>
              <td className="message">{t.reason}</td>
              <td>{t.state}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
