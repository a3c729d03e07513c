// limit-memory and limit-cpu: a tree over a limit for limit-samples consecutive samples is
// acted on. Pure: fed samples, it answers which limit was crossed and by what.
import type { HealthConfig } from './config.ts';
import { formatBytes } from '../formats/healthstate.ts';
import type { TreeSample } from './sampler.ts';

export interface Crossing {
  readonly which: 'limit-memory' | 'limit-cpu';
  readonly value: number;
  /** "limit-memory: 210 MB > 100 MB for 3 samples". */
  readonly reason: string;
}

export class LimitWatch {
  private overMemory = 0;
  private overCpu = 0;
  private readonly cfg: HealthConfig;
  constructor(cfg: HealthConfig) {
    this.cfg = cfg;
  }

  /** The crossing to act on, once a limit has been exceeded for limit-samples samples in a row. */
  feed(s: TreeSample): Crossing | undefined {
    const { limitMemory, limitCpu, limitSamples } = this.cfg;
    if (limitMemory !== undefined) {
      this.overMemory = s.memory > limitMemory ? this.overMemory + 1 : 0;
      if (this.overMemory >= limitSamples) {
        this.overMemory = 0;
        return { which: 'limit-memory', value: s.memory, reason: `limit-memory: ${formatBytes(s.memory)} > ${formatBytes(limitMemory)} for ${limitSamples} samples` };
      }
    }
    if (limitCpu !== undefined && s.cpu !== null) {
      this.overCpu = s.cpu > limitCpu ? this.overCpu + 1 : 0;
      if (this.overCpu >= limitSamples) {
        this.overCpu = 0;
        return { which: 'limit-cpu', value: s.cpu, reason: `limit-cpu: ${s.cpu.toFixed(0)}% > ${limitCpu}% for ${limitSamples} samples` };
      }
    }
    return undefined;
  }
}
