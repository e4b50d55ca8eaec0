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
 * Why first: so that no marking cycle starts under one setting and ends under the other. Why this flag alone:
 * set at run time, `--no-parallel-marking` and `--single-threaded-gc` abort the process (V8's checks of its
 * marking threads fail), while parallel marking, left on, still joins whatever marking tasks were started.
 */
import { setFlagsFromString } from 'node:v8';
import { processGcChoice, type GcChoice } from './gc-ergonomics';

/** This process's choice, applied as the module loaded. */
export const gcChoice: GcChoice = processGcChoice();
if (gcChoice.applied) setFlagsFromString('--no-concurrent-marking');
