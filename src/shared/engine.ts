// Which cluster job a run belongs to, from the variables Slurm and Kubernetes set for every task,
// so that a run folder leads back to `sacct -j …` or `kubectl logs …` when something went wrong.

export interface EngineIds {
  slurm?: {
    job_id?: string;
    array_job_id?: string;
    array_task_id?: string;
    /** The node the task ran on. */
    node?: string;
  };
  kubernetes?: {
    /** The pod's name: Kubernetes sets HOSTNAME to it. */
    pod?: string;
    /** An indexed Job's completion index. */
    job_completion_index?: string;
  };
}

type Env = Readonly<Record<string, string | undefined>>;

/** The engine ids present in env; null outside Slurm and Kubernetes. */
export function engineIds(env: Env): EngineIds | null {
  const ids: EngineIds = {};
  const pick = (pairs: [string, string][]) => {
    const out: Record<string, string> = {};
    for (const [key, variable] of pairs) {
      const value = env[variable]?.trim();
      if (value) out[key] = value;
    }
    return Object.keys(out).length > 0 ? out : null;
  };
  const slurm = pick([
    ['job_id', 'SLURM_JOB_ID'],
    ['array_job_id', 'SLURM_ARRAY_JOB_ID'],
    ['array_task_id', 'SLURM_ARRAY_TASK_ID'],
    ['node', 'SLURMD_NODENAME'],
  ]);
  if (slurm && (slurm.job_id || slurm.array_job_id)) ids.slurm = slurm;
  // HOSTNAME alone is any machine's name; it names a pod only inside Kubernetes.
  const inKubernetes = Boolean(env.KUBERNETES_SERVICE_HOST?.trim() || env.JOB_COMPLETION_INDEX?.trim());
  if (inKubernetes) {
    const kubernetes = pick([
      ['pod', 'HOSTNAME'],
      ['job_completion_index', 'JOB_COMPLETION_INDEX'],
    ]);
    if (kubernetes) ids.kubernetes = kubernetes;
  }
  return ids.slurm || ids.kubernetes ? ids : null;
}

/** One line for reports and listings: 'Slurm job 812_3 (array task 3) on node-7 · pod train-2-abcde'. */
export function describeEngine(ids: EngineIds | null | undefined): string | null {
  if (!ids) return null;
  const parts: string[] = [];
  const s = ids.slurm;
  if (s) {
    const job = s.array_job_id && s.array_task_id ? `${s.array_job_id}_${s.array_task_id}` : (s.job_id ?? s.array_job_id);
    let text = `Slurm job ${job}`;
    if (s.array_job_id && s.job_id && s.job_id !== job) text += ` (job id ${s.job_id})`;
    if (s.node) text += ` on ${s.node}`;
    parts.push(text);
  }
  const k = ids.kubernetes;
  if (k) {
    let text = k.pod ? `Kubernetes pod ${k.pod}` : 'Kubernetes';
    if (k.job_completion_index) text += ` (completion index ${k.job_completion_index})`;
    parts.push(text);
  }
  return parts.length > 0 ? parts.join(' · ') : null;
}
