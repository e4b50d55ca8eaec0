import { ConfigError } from '../errors';
import { createRandom } from '../random';

/**
 * The Agrawal stream (Agrawal, Imielinski & Swami, "Database Mining: A Performance Perspective",
 * IEEE TKDE 5(6), 1993): loan applicants with six numeric and three categorical attributes, labelled by
 * one of ten classification functions. Switching the function mid-stream is the classic abrupt drift
 * used by MOA and River.
 *
 * Attributes: salary U[20k,150k]; commission 0 when salary ≥ 75k else U[10k,85k]; age integer U[20,80];
 * elevel U{0..4}; car U{0..19}; zipcode U{0..8}; hvalue (9 − zipcode)·100k·U[0.5,1.5]; hyears U{1..30};
 * loan U[0,500k]. Labels follow the paper's functions, numbered 0..9 as in River.
 */
export interface AgrawalEvent {
  salary: number;
  commission: number;
  age: number;
  elevel: number;
  car: number;
  zipcode: number;
  hvalue: number;
  hyears: number;
  loan: number;
  label: 0 | 1;
}

type Applicant = Omit<AgrawalEvent, 'label'>;

const inRange = (value: number, low: number, high: number): boolean => low <= value && value <= high;

/** Salary bands by age group, shared by functions 1 and 5. */
function ageBand(age: number, amount: number): boolean {
  if (age < 40) return inRange(amount, 50_000, 100_000);
  if (age < 60) return inRange(amount, 75_000, 125_000);
  return inRange(amount, 25_000, 75_000);
}

const FUNCTIONS: ReadonlyArray<(a: Applicant) => boolean> = [
  (a) => a.age < 40 || a.age >= 60,
  (a) => ageBand(a.age, a.salary),
  (a) => (a.age < 40 ? a.elevel <= 1 : a.age < 60 ? a.elevel >= 1 && a.elevel <= 3 : a.elevel >= 2),
  (a) => {
    if (a.age < 40) return a.elevel <= 1 ? inRange(a.salary, 25_000, 75_000) : inRange(a.salary, 50_000, 100_000);
    if (a.age < 60) return a.elevel >= 1 && a.elevel <= 3 ? inRange(a.salary, 50_000, 100_000) : inRange(a.salary, 75_000, 125_000);
    return a.elevel >= 2 ? inRange(a.salary, 50_000, 100_000) : inRange(a.salary, 25_000, 75_000);
  },
  (a) => {
    if (a.age < 40) return inRange(a.salary, 50_000, 100_000) ? inRange(a.loan, 100_000, 300_000) : inRange(a.salary, 200_000, 400_000);
    if (a.age < 60) return inRange(a.salary, 75_000, 125_000) ? a.salary >= 200_000 && a.loan <= 400_000 : inRange(a.salary, 300_000, 500_000);
    return inRange(a.salary, 25_000, 75_000) ? inRange(a.loan, 300_000, 500_000) : inRange(a.loan, 75_000, 300_000);
  },
  (a) => ageBand(a.age, a.salary + a.commission),
  (a) => (2 * (a.salary + a.commission)) / 3 - a.loan / 5 - 20_000 <= 1,
  (a) => (2 * (a.salary + a.commission)) / 3 - 5000 * a.elevel - 20_000 <= 1,
  (a) => (2 * (a.salary + a.commission)) / 3 - 5000 * a.elevel - a.loan / 5 - 10_000 <= 1,
  (a) => {
    const equity = a.hyears >= 20 ? (a.hvalue * (a.hyears - 20)) / 10 : 0;
    return (2 * (a.salary + a.commission)) / 3 - 5000 * a.elevel + equity / 5 - 10_000 <= 1;
  },
];

export interface AgrawalConfig {
  seed?: number;
  /** Classification function before the drift, 0..9. */
  functionBefore?: number;
  /** Classification function from `driftAt` on, 0..9. */
  functionAfter?: number;
  /** Index of the first event labelled by `functionAfter`; Infinity for no drift. */
  driftAt?: number;
  /** Probability that a label is flipped. */
  labelNoise?: number;
}

/** An endless, seeded Agrawal stream with one abrupt drift. */
export function* agrawalStream(config: AgrawalConfig = {}): Generator<AgrawalEvent> {
  const { seed = 42, functionBefore = 0, functionAfter = 2, driftAt = Infinity, labelNoise = 0 } = config;
  for (const fn of [functionBefore, functionAfter]) {
    if (!Number.isInteger(fn) || fn < 0 || fn > 9) throw new ConfigError(`Agrawal classification function must be 0..9, got ${fn}`);
  }
  if (!(labelNoise >= 0 && labelNoise <= 1)) throw new ConfigError(`labelNoise must be in [0, 1], got ${labelNoise}`);
  const rng = createRandom(seed);
  for (let i = 0; ; i++) {
    const salary = 20_000 + 130_000 * rng.next();
    const commission = salary >= 75_000 ? 0 : 10_000 + 75_000 * rng.next();
    const zipcode = rng.nextInt(9);
    const applicant: Applicant = {
      salary,
      commission,
      age: 20 + rng.nextInt(61),
      elevel: rng.nextInt(5),
      car: rng.nextInt(20),
      zipcode,
      hvalue: (9 - zipcode) * 100_000 * (0.5 + rng.next()),
      hyears: 1 + rng.nextInt(30),
      loan: 500_000 * rng.next(),
    };
    const positive = FUNCTIONS[i < driftAt ? functionBefore : functionAfter](applicant);
    const flipped = labelNoise > 0 && rng.next() < labelNoise;
    yield { ...applicant, label: positive !== flipped ? 1 : 0 };
  }
}
