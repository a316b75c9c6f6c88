// The top eigenpairs of a real symmetric matrix, in float64: Householder reduction to tridiagonal
// form, then implicit QL with Wilkinson shifts (the EISPACK tred2/tql2 pair). Only the requested
// eigenvectors are formed: QL's Givens rotations are recorded and replayed on k unit vectors, and
// the Householder reflections are applied to those k vectors only, so the cost is the reduction
// (≈ 4n³/3 flops) plus O(n²k) instead of tql2's O(n³) accumulation of all n vectors.

export interface EigenResult {
  /** The k largest eigenvalues, descending. */
  values: Float64Array;
  /** Their unit eigenvectors, column-major in effect: vectors[j*n + i] is component i of vector j. */
  vectors: Float64Array;
}

/**
 * Top-k eigenpairs of the symmetric n×n matrix `a` (row-major; only the lower triangle is read).
 * `a` is not modified. Eigenvectors are orthonormal; each is signed so that its entry of largest
 * magnitude is positive, which makes the result deterministic.
 */
export function symmetricTopEigen(a: Float64Array, n: number, k: number): EigenResult {
  if (!Number.isInteger(n) || n < 1 || a.length < n * n) throw new Error(`symmetricTopEigen: bad matrix size ${n}`);
  if (!Number.isInteger(k) || k < 0 || k > n) throw new Error(`symmetricTopEigen: k=${k} outside 0..${n}`);
  const work = Float64Array.from(a.subarray(0, n * n));
  const { diag, offDiag, betas } = tridiagonalize(work, n);
  const rotations = new RotationLog(n);
  implicitQL(diag, offDiag, rotations);

  // Indices of the k largest eigenvalues, descending; ties keep the lower index first.
  const order = Array.from({ length: n }, (_, i) => i).sort((p, q) => diag[q]! - diag[p]! || p - q);
  const chosen = order.slice(0, k);

  // Eigenvectors of the tridiagonal matrix: columns of Z = G1·G2·…·Gm, so Z e_j is obtained by
  // applying Gm, …, G1 in that order to the unit vector e_j. y is n×k row-major.
  const y = new Float64Array(n * k);
  chosen.forEach((idx, col) => {
    y[idx * k + col] = 1;
  });
  rotations.replayBackwards(y, k);

  // Back to the original basis: v = H0·H1·…·H(n-3) y, applying H(n-3) first.
  const vectors = new Float64Array(n * k);
  const column = new Float64Array(n);
  for (let col = 0; col < k; col++) {
    for (let i = 0; i < n; i++) column[i] = y[i * k + col]!;
    for (let step = n - 3; step >= 0; step--) {
      const beta = betas[step]!;
      if (beta === 0) continue;
      // Reflector vector u lives in work[i*n + step] for i = step+1 … n-1.
      let dot = 0;
      for (let i = step + 1; i < n; i++) dot += work[i * n + step]! * column[i]!;
      const scale = beta * dot;
      for (let i = step + 1; i < n; i++) column[i] = column[i]! - scale * work[i * n + step]!;
    }
    normalizeAndSign(column, n);
    vectors.set(column, col * n);
  }
  const values = Float64Array.from(chosen, (idx) => diag[idx]!);
  return { values, vectors };
}

/**
 * Householder reduction of the symmetric matrix in `a` (lower triangle, row-major) to tridiagonal
 * form T = Qᵀ A Q. On return, column `step` of `a` below the diagonal holds reflector `step`'s
 * vector u (with H = I − β u uᵀ), diag/offDiag hold T (offDiag[i] couples i and i+1).
 *
 * Speed matters here (it is most of a PCA fit): each step's rank-2 update A ← A − u wᵀ − w uᵀ is
 * deferred and fused into the next step's sweep that computes p = A u, and the sweep handles two
 * rows at a time so that every load of u, w and p serves both; together ~2× faster in V8.
 */
function tridiagonalize(a: Float64Array, n: number): { diag: Float64Array; offDiag: Float64Array; betas: Float64Array } {
  const diag = new Float64Array(n);
  const offDiag = new Float64Array(n);
  const betas = new Float64Array(Math.max(0, n - 2));
  let u = new Float64Array(n);
  let p = new Float64Array(n);
  // The previous step's deferred update (zero where it does not apply, and before the first step).
  let uPrev = new Float64Array(n);
  let wPrev = new Float64Array(n);
  const column = new Float64Array(n);

  for (let step = 0; step < n - 2; step++) {
    const first = step + 1;
    // Column `step` of the current matrix, with the deferred update applied on the fly.
    const wStep = wPrev[step]!;
    const uStep = uPrev[step]!;
    for (let i = step; i < n; i++) column[i] = a[i * n + step]! - uPrev[i]! * wStep - wPrev[i]! * uStep;
    diag[step] = column[step]!;
    const x0 = column[first]!;
    let tailNorm2 = 0;
    for (let i = first + 1; i < n; i++) tailNorm2 += column[i]! * column[i]!;

    let beta = 0;
    if (tailNorm2 === 0) {
      // Already tridiagonal in this column: no reflection (β = 0 marks it); u = 0 makes w = 0.
      offDiag[step] = x0;
      u.fill(0, first, n);
    } else {
      const norm = Math.sqrt(x0 * x0 + tailNorm2);
      // alpha has the opposite sign of x0 so that u0 = x0 − alpha does not cancel.
      const alpha = x0 > 0 ? -norm : norm;
      offDiag[step] = alpha;
      u[first] = x0 - alpha;
      for (let i = first + 1; i < n; i++) u[i] = column[i]!;
      // ‖u‖² = 2(‖x‖² − x0·alpha), so β = 2/‖u‖².
      beta = 1 / (norm * norm - x0 * alpha);
    }
    betas[step] = beta;

    // One sweep over the lower triangle of rows ≥ first: apply the deferred update and accumulate
    // p = A22 u from the updated values (each off-diagonal entry serves two entries of p).
    p.fill(0, first, n);
    let i = first;
    for (; i + 1 < n; i += 2) {
      const rowA = i * n;
      const rowB = rowA + n;
      const upA = uPrev[i]!;
      const wpA = wPrev[i]!;
      const upB = uPrev[i + 1]!;
      const wpB = wPrev[i + 1]!;
      const uA = u[i]!;
      const uB = u[i + 1]!;
      a[rowA + step] = column[i]!;
      a[rowB + step] = column[i + 1]!;
      let accA = 0;
      let accB = 0;
      for (let j = first; j < i; j++) {
        const wj = wPrev[j]!;
        const upj = uPrev[j]!;
        const uj = u[j]!;
        const aA = a[rowA + j]! - upA * wj - wpA * upj;
        const aB = a[rowB + j]! - upB * wj - wpB * upj;
        a[rowA + j] = aA;
        a[rowB + j] = aB;
        accA += aA * uj;
        accB += aB * uj;
        p[j] = p[j]! + aA * uA + aB * uB;
      }
      const aAA = a[rowA + i]! - 2 * upA * wpA;
      const aBA = a[rowB + i]! - upB * wPrev[i]! - wpB * uPrev[i]!;
      const aBB = a[rowB + i + 1]! - 2 * upB * wpB;
      a[rowA + i] = aAA;
      a[rowB + i] = aBA;
      a[rowB + i + 1] = aBB;
      p[i] = p[i]! + accA + aAA * uA + aBA * uB;
      p[i + 1] = p[i + 1]! + accB + aBA * uA + aBB * uB;
    }
    if (i < n) {
      const row = i * n;
      const up = uPrev[i]!;
      const wp = wPrev[i]!;
      const ui = u[i]!;
      a[row + step] = column[i]!;
      let acc = 0;
      for (let j = first; j < i; j++) {
        const aij = a[row + j]! - up * wPrev[j]! - wp * uPrev[j]!;
        a[row + j] = aij;
        acc += aij * u[j]!;
        p[j] = p[j]! + aij * ui;
      }
      const aii = a[row + i]! - 2 * up * wp;
      a[row + i] = aii;
      p[i] = p[i]! + acc + aii * ui;
    }
    a[step * n + step] = diag[step]!;

    // w = β A22 u − (β²/2)(uᵀ A22 u) u; it becomes the deferred update for the next step.
    let pu = 0;
    for (let r = first; r < n; r++) {
      p[r] = beta * p[r]!;
      pu += p[r]! * u[r]!;
    }
    const half = (beta / 2) * pu;
    for (let r = first; r < n; r++) p[r] = p[r]! - half * u[r]!;
    for (let r = first; r < n; r++) a[r * n + step] = u[r]!;
    [uPrev, u] = [u, uPrev];
    [wPrev, p] = [p, wPrev];
    uPrev[step] = 0;
    wPrev[step] = 0;
  }
  // The last 2×2 block (or the whole matrix when n ≤ 2), with the final deferred update.
  const at = (r: number, c: number) => a[r * n + c]! - uPrev[r]! * wPrev[c]! - wPrev[r]! * uPrev[c]!;
  if (n >= 2) {
    diag[n - 2] = at(n - 2, n - 2);
    offDiag[n - 2] = at(n - 1, n - 2);
  }
  diag[n - 1] = at(n - 1, n - 1);
  offDiag[n - 1] = 0;
  return { diag, offDiag, betas };
}

/** Givens rotations in the order QL applies them: rotation r mixes rows index[r] and index[r]+1. */
class RotationLog {
  private cos: Float64Array;
  private sin: Float64Array;
  private index: Int32Array;
  length = 0;
  constructor(n: number) {
    // QL needs ~1.3–2 sweeps of about n/2 rotations per eigenvalue; start near that and grow if needed.
    const capacity = Math.max(16, n * n);
    this.cos = new Float64Array(capacity);
    this.sin = new Float64Array(capacity);
    this.index = new Int32Array(capacity);
  }
  push(i: number, c: number, s: number): void {
    if (this.length === this.cos.length) this.grow();
    this.cos[this.length] = c;
    this.sin[this.length] = s;
    this.index[this.length] = i;
    this.length++;
  }
  private grow(): void {
    const grow = <T extends Float64Array | Int32Array>(old: T, make: (n: number) => T): T => {
      const next = make(old.length * 2);
      next.set(old);
      return next;
    };
    this.cos = grow(this.cos, (m) => new Float64Array(m));
    this.sin = grow(this.sin, (m) => new Float64Array(m));
    this.index = grow(this.index, (m) => new Int32Array(m));
  }
  /**
   * y ← G1·G2·…·Gm · y for y n×k row-major, where the matrix of rotation (i, c, s) is the identity
   * except [i,i]=c, [i,i+1]=s, [i+1,i]=−s, [i+1,i+1]=c (QL accumulates V ← V·G).
   */
  replayBackwards(y: Float64Array, k: number): void {
    for (let r = this.length - 1; r >= 0; r--) {
      const c = this.cos[r]!;
      const s = this.sin[r]!;
      const top = this.index[r]! * k;
      const bottom = top + k;
      for (let col = 0; col < k; col++) {
        const yi = y[top + col]!;
        const yi1 = y[bottom + col]!;
        y[top + col] = c * yi + s * yi1;
        y[bottom + col] = c * yi1 - s * yi;
      }
    }
  }
}

/**
 * Eigenvalues of the symmetric tridiagonal matrix (diag, offDiag) by implicit QL (EISPACK tql2),
 * overwriting diag with them (unsorted) and logging every rotation instead of accumulating vectors.
 */
function implicitQL(diag: Float64Array, offDiag: Float64Array, log: RotationLog): void {
  const n = diag.length;
  const e = offDiag;
  let shiftTotal = 0;
  let scale = 0;
  const eps = 2 ** -52;
  for (let l = 0; l < n; l++) {
    scale = Math.max(scale, Math.abs(diag[l]!) + Math.abs(e[l]!));
    let m = l;
    while (m < n - 1 && Math.abs(e[m]!) > eps * scale) m++;
    if (m > l) {
      let iterations = 0;
      do {
        if (++iterations > 60) throw new Error('implicitQL: no convergence (matrix contains NaN or Infinity?)');
        // Wilkinson-style shift from the leading 2×2 block.
        let g = diag[l]!;
        let p = (diag[l + 1]! - g) / (2 * e[l]!);
        let r = Math.hypot(p, 1);
        if (p < 0) r = -r;
        diag[l] = e[l]! / (p + r);
        diag[l + 1] = e[l]! * (p + r);
        const dl1 = diag[l + 1]!;
        let h = g - diag[l]!;
        for (let i = l + 2; i < n; i++) diag[i] = diag[i]! - h;
        shiftTotal += h;

        p = diag[m]!;
        let c = 1;
        let c2 = c;
        let c3 = c;
        const el1 = e[l + 1]!;
        let s = 0;
        let s2 = 0;
        for (let i = m - 1; i >= l; i--) {
          c3 = c2;
          c2 = c;
          s2 = s;
          g = c * e[i]!;
          h = c * p;
          r = Math.hypot(p, e[i]!);
          e[i + 1] = s * r;
          s = e[i]! / r;
          c = p / r;
          p = c * diag[i]! - s * g;
          diag[i + 1] = h + s * (c * g + s * diag[i]!);
          log.push(i, c, s);
        }
        p = (-s * s2 * c3 * el1 * e[l]!) / dl1;
        e[l] = s * p;
        diag[l] = c * p;
      } while (Math.abs(e[l]!) > eps * scale);
    }
    diag[l] = diag[l]! + shiftTotal;
    e[l] = 0;
  }
}

function normalizeAndSign(v: Float64Array, n: number): void {
  let norm2 = 0;
  let largest = 0;
  for (let i = 0; i < n; i++) {
    norm2 += v[i]! * v[i]!;
    if (Math.abs(v[i]!) > Math.abs(largest)) largest = v[i]!;
  }
  const scale = (largest < 0 ? -1 : 1) / Math.sqrt(norm2);
  for (let i = 0; i < n; i++) v[i] = v[i]! * scale;
}
