import type { DistanceKernelOptions } from './backend';
import type { FloatArray } from './matrix';

/**
 * The elementwise distance-to-kernel map of DistanceKernelOptions over rows [rowStart, rowEnd), written once for the
 * js and tfjs backends (the native addon has its own C loop with the same rules).
 */
export function distanceKernelRows(
  gram: FloatArray,
  pa: FloatArray,
  pb: FloatArray,
  cols: number,
  rowStart: number,
  rowEnd: number,
  o: DistanceKernelOptions,
  kernel: FloatArray,
  weights: FloatArray | undefined,
): void {
  const q = o.exponent;
  const invL = 1 / o.bandwidth;
  const tol = o.zeroTol;
  for (let i = rowStart; i < rowEnd; i++) {
    const ai = pa[i];
    const off = i * cols;
    for (let j = 0; j < cols; j++) {
      const scale = ai + pb[j];
      let d2 = scale - 2 * gram[off + j];
      if (d2 <= tol * scale) d2 = 0;
      const dist = Math.sqrt(d2);
      let k: number;
      if (q === 1) k = Math.exp(-dist * invL);
      else if (q === 2) k = Math.exp(-d2 * invL * invL);
      else k = Math.exp(-Math.pow(dist * invL, q));
      kernel[off + j] = k;
      if (weights) {
        if (dist === 0) weights[off + j] = q === 2 ? k : 0;
        else weights[off + j] = q === 1 ? k / dist : q === 2 ? k : k * Math.pow(dist, q - 2);
      }
    }
  }
}
