// One service of svhttp's snapshot (snapshot.ts): the facts of its files (dirfacts.ts), read
// again only after a change. Changes are seen by inotify (fs.watch) of the service dir (down,
// supervise appearing) and of S/supervise/ (status, health, stat, ok): an event only bumps a
// generation number, nothing is read until a request asks, so a supervisor rewriting health
// every second costs one read per request that follows a change, not one per change. Where a
// watch cannot be set (no inotify, watch limit), stat(2) of those files guards each request.
import { watch, type FSWatcher } from 'node:fs';
import { basename, join } from 'node:path';
import { SERVICE } from '../formats/servicedir.ts';
import { isErrno } from '../formats/errno.ts';
import { closeFd, factsSignature, readFacts, type DirFacts } from './dirfacts.ts';
import { LastLines } from './lastlines.ts';

/** The entries whose change can change the view; others (control, events, lock, *.new, run) cannot. */
const RELEVANT = new Set(['status', 'health', 'stat', 'ok', 'down', 'supervise']);

export class ServiceEntry {
  readonly dir: string;
  readonly lastLines: LastLines;
  /** The write end of supervise/ok while a supervisor reads it (snapshot.ts polls it for POLLERR). */
  okFd: number | undefined;
  private readonly base: string;
  private gen = 0;
  private facts: DirFacts | undefined;
  private factsGen = -1;
  private reading: Promise<void> | undefined;
  private dirWatch: FSWatcher | undefined;
  private superviseWatch: FSWatcher | undefined;
  private watched = false;
  private rearm = false;
  private sig: string | undefined;
  private readonly onSelf: () => void;

  /** onSelf: the dir itself changed (removed, moved, chmod). */
  constructor(dir: string, useInotify: boolean, onSelf: () => void) {
    this.dir = dir;
    this.onSelf = onSelf;
    this.base = basename(dir);
    this.lastLines = new LastLines(dir);
    if (useInotify) this.arm();
  }

  /** Whether inotify guards this entry (else each request stats its files). */
  get isWatched(): boolean {
    return this.watched;
  }

  /** The facts as they are now: from memory unless a change was seen since they were read. */
  async current(): Promise<DirFacts> {
    if (this.rearm) {
      this.rearm = false;
      this.arm();
      this.gen++;
    }
    if (!this.watched) {
      const sig = await factsSignature(this.dir);
      if (sig !== this.sig) {
        this.sig = sig;
        this.gen++;
      }
    }
    const need = this.gen;
    while (this.facts === undefined || this.factsGen < need) {
      this.reading ??= this.read();
      await this.reading;
    }
    return this.facts;
  }

  /** The next request reads the files again (after a control request, say). */
  invalidate(): void {
    this.gen++;
  }

  dropOk(): void {
    if (this.okFd !== undefined) closeFd(this.okFd);
    this.okFd = undefined;
  }

  close(): void {
    this.unwatch();
    this.dropOk();
  }

  private read(): Promise<void> {
    const g = this.gen;
    return readFacts(this.dir).then((f) => {
      if (g > this.factsGen) {
        this.facts = f;
        this.factsGen = g;
      }
    }).finally(() => {
      this.reading = undefined;
    });
  }

  private arm(): void {
    this.unwatch();
    try {
      this.dirWatch = watch(this.dir, { persistent: false }, (_type, f) => this.changed(f, true));
      this.dirWatch.on('error', () => this.lost());
      this.watched = true;
    } catch {
      this.watched = false;
      return;
    }
    this.armSupervise();
  }

  private armSupervise(): void {
    this.superviseWatch?.close();
    this.superviseWatch = undefined;
    try {
      this.superviseWatch = watch(join(this.dir, SERVICE.superviseDir), { persistent: false }, (_type, f) => this.changed(f, false));
      this.superviseWatch.on('error', () => this.lost());
    } catch (err) {
      // Absent (or not a dir): the dir's watch says when it appears. Anything else: stat instead.
      if (!isErrno(err, 'ENOENT') && !isErrno(err, 'ENOTDIR')) this.lost();
    }
  }

  private changed(file: string | Buffer | null, inDir: boolean): void {
    const name = file?.toString();
    // The watched dir itself (removed, moved, chmod) comes with its own base name, or none.
    const self = name === undefined || name === (inDir ? this.base : SERVICE.superviseDir);
    if (!self && !RELEVANT.has(name)) return;
    this.gen++;
    if (self || name === 'ok' || name === SERVICE.superviseDir) this.dropOk();
    if (inDir && self) {
      this.rearm = true;
      this.onSelf();
    }
    else if (inDir && name === SERVICE.superviseDir) this.armSupervise();
  }

  /** A watch failed: this entry falls back to stat guards. */
  private lost(): void {
    this.unwatch();
    this.gen++;
  }

  private unwatch(): void {
    this.dirWatch?.close();
    this.superviseWatch?.close();
    this.dirWatch = undefined;
    this.superviseWatch = undefined;
    this.watched = false;
  }
}
