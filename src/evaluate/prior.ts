// The VAE's prior N(0, I) seen through its quantiles: the manifold picture of Kingma & Welling
// (2014, fig. 4) decodes a square grid of latent points z = (Φ⁻¹(u), Φ⁻¹(v)) for evenly spaced
// u, v, so equal areas of the grid hold equal prior mass and the grid covers where samples land.

/**
 * Φ⁻¹(p), the standard normal quantile, by Wichura's algorithm AS 241 (PPND16), accurate to about
 * 1e-16 relative. p outside (0, 1) gives ∓Infinity at the ends and NaN beyond them.
 */
export function standardNormalQuantile(p: number): number {
  if (Number.isNaN(p) || p < 0 || p > 1) return NaN;
  if (p === 0) return -Infinity;
  if (p === 1) return Infinity;
  const q = p - 0.5;
  if (Math.abs(q) <= 0.425) {
    const r = 0.180625 - q * q;
    return (
      (q *
        (((((((r * 2509.0809287301227 + 33430.57558358813) * r + 67265.7709270087) * r + 45921.95393154987) * r + 13731.69376550946) * r +
          1971.5909503065513) *
          r +
          133.14166789178438) *
          r +
          3.3871328727963665)) /
      (((((((r * 5226.495278852546 + 28729.085735721943) * r + 39307.89580009271) * r + 21213.794301586597) * r + 5394.196021424751) * r +
        687.1870074920579) *
        r +
        42.31333070160091) *
        r +
        1)
    );
  }
  let r = q < 0 ? p : 1 - p;
  r = Math.sqrt(-Math.log(r));
  let value: number;
  if (r <= 5) {
    r -= 1.6;
    value =
      (((((((r * 0.0007745450142783414 + 0.022723844989269184) * r + 0.2417807251774506) * r + 1.2704582524523684) * r + 3.6478483247632045) * r +
        5.769497221460691) *
        r +
        4.630337846156546) *
        r +
        1.4234371107496835) /
      (((((((r * 1.0507500716444169e-9 + 0.0005475938084995345) * r + 0.015198666563616457) * r + 0.14810397642748008) * r + 0.6897673349851) * r +
        1.6763848301838038) *
        r +
        2.053191626637759) *
        r +
        1);
  } else {
    r -= 5;
    value =
      (((((((r * 2.0103343992922881e-7 + 2.7115555687434876e-5) * r + 0.0012426609473880784) * r + 0.026532189526576124) * r + 0.29656057182850487) * r +
        1.7848265399172913) *
        r +
        5.463784911164114) *
        r +
        6.657904643501103) /
      (((((((r * 2.0442631033899397e-15 + 1.421511758316446e-7) * r + 1.8463183175100548e-5) * r + 0.0007868691311456133) * r + 0.014875361290850615) * r +
        0.1369298809227358) *
        r +
        0.599832206555888) *
        r +
        1);
  }
  return q < 0 ? -value : value;
}

/** Grid probabilities: side values evenly spaced over [0.05, 0.95], as in Keras' VAE example. */
export const PRIOR_GRID_RANGE: [number, number] = [0.05, 0.95];

/** The side prior quantiles Φ⁻¹(u) for u evenly spaced over PRIOR_GRID_RANGE, ascending. */
export function priorQuantiles(side: number): number[] {
  const [lo, hi] = PRIOR_GRID_RANGE;
  if (side === 1) return [0];
  return Array.from({ length: side }, (_, i) => standardNormalQuantile(lo + ((hi - lo) * i) / (side - 1)));
}
