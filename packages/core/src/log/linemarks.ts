// How far the input is safely written: the line ends staged in one directory, each as the
// output offset it ends at and the input offset it ends at, dropped as their bytes are written.

export class LineMarks {
  /** Flat pairs [output end, input end] from head on. */
  private marks: number[] = [];
  private head = 0;
  private inputDone = 0;

  /** A line ending at input offset `input` was staged ending at output offset `output`. */
  add(output: number, input: number): void {
    this.marks.push(output, input);
  }

  /** Nothing waits in this directory: every line fed so far is written. */
  settle(fed: number): number {
    this.marks = [];
    this.head = 0;
    this.inputDone = fed;
    return fed;
  }

  /** Input offset through which every line is written, given the output bytes written. */
  through(written: number): number {
    const m = this.marks;
    let h = this.head;
    while (h < m.length && (m[h] as number) <= written) {
      this.inputDone = m[h + 1] as number;
      h += 2;
    }
    this.head = h;
    return this.inputDone;
  }

  /** Lines staged and not written yet (call through() first). */
  get pending(): number {
    return (this.marks.length - this.head) / 2;
  }
}
