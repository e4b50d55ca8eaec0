/**
 * Garbage-collector ergonomics, applied when this module is loaded: V8's concurrent marking is turned off on
 * machines of at most two cores, as the JVM picks its serial collector on small machines (the choice and its
 * overrides: src/gc-ergonomics.ts). Load it first thing in the process: `bin/streamlearn.js` and the bench
 * do; an application embedding the runtime runs `node -r streamlearn/gc app.js`.
 *
 * Why: on two cores, concurrent marking's threads cost the trainer more CPU than they take off its thread.
 * Through Kafka the Arrow trainer starts a marking cycle 100–150 times a run, driven by its ArrayBuffers'
 * external memory; with concurrent marking off it learned 1.09–1.30× more rows per CPU-second, and turning
 * off parallel scavenges as well added nothing (docs/performance.md, "Stop 26: concurrent marking").
 *
 * V8's old generation also grows by its largest factor, 4×, on every machine. For the Arrow trainer's small
 * heap (14–20 MB live) V8 otherwise picked 1.1–1.4× at most mark-compacts, and it counts the ArrayBuffers
 * allocated since the last mark-compact against that limit: Kafka's fetches used up the slack within ~100 ms,
 * so a marking cycle ran 5–10 times a second. Held at 4×, the Arrow run made 9–13 mark-compacts instead of
 * 58–80 and learned 1.03–1.20× (median 1.12) more rows per CPU-second (docs/performance.md, "Stop 27: heap
 * growing"). The price is memory: the heap may grow to 4× what is live before it is marked.
 *
 * Why first: so that no marking cycle starts under one setting and ends under the other. Why no other marking
 * flag: set at run time, `--no-parallel-marking` and `--single-threaded-gc` abort the process (V8's checks of its
 * marking threads fail), while parallel marking, left on, still joins whatever marking tasks were started.
 */
import { setFlagsFromString } from 'node:v8';
import { processGcChoice, processHeapGrowingChoice, type GcChoice, type HeapGrowingChoice } from './gc-ergonomics';

/** This process's choices, applied as the module loaded. */
export const gcChoice: GcChoice = processGcChoice();
export const heapGrowingChoice: HeapGrowingChoice = processHeapGrowingChoice();
if (gcChoice.applied) setFlagsFromString('--no-concurrent-marking');
if (heapGrowingChoice.applied) setFlagsFromString(`--heap-growing-percent=${heapGrowingChoice.percent}`);
