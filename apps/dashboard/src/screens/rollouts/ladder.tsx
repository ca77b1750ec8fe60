import type { Rollout } from './types.ts';

/**
 * The step ladder: every candidate percentage in order, the current one marked (for screen readers
 * too, with aria-current), the ones behind it done.
 */
export function StepLadder({ rollout }: { rollout: Rollout }) {
  const finished = rollout.state === 'promoted';
  return (
    <ol className="ladder" aria-label="Step ladder">
      {rollout.steps.map((weight, index) => {
        const current = !finished && index === rollout.currentStep;
        const done = finished || index < rollout.currentStep;
        return (
          <li
            // Steps are strictly increasing, so the weight identifies the step.
            key={weight}
            className={current ? 'current' : done ? 'done' : undefined}
            aria-current={current ? 'step' : undefined}
          >
            {weight} %{current && <span className="visually-hidden"> (current step)</span>}
          </li>
        );
      })}
    </ol>
  );
}
