import type { Session } from '../../lib/session.ts';
import { RolloutDetail } from './detail.tsx';
import { RolloutList } from './list.tsx';

/** `/rollouts`: every rollout; `/rollouts/<id>`: one of them. */
export function RolloutsScreen({ id, session }: { id: string; session: Session }) {
  return id ? <RolloutDetail key={id} id={id} session={session} /> : <RolloutList />;
}
