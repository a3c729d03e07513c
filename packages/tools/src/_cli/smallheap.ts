// Imported first by supervise, whose heap stays a few MB: V8's memory reducer is turned off
// for heaps that small. Eight seconds after start-up it ran two full collections (about 20 ms
// of CPU, twice what a restart costs) to give back about 1 MB of heap, inside the first ten
// restarts of a crash loop. A heap that grows past a small one still gets it, as before.
import { setFlagsFromString } from 'node:v8';

setFlagsFromString('--no-memory-reducer-for-small-heaps');
