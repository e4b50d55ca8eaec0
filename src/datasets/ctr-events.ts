import { agrawalStream, type AgrawalConfig } from './agrawal';

/**
 * Agrawal applicants as categorical events, the shape a click-through model sees: every attribute is a
 * category, numbers are cut into bands that line up with the thresholds of Agrawal's functions (age by
 * decade, money by 25k), so a linear model over hashed categories and their crosses can represent them.
 */
export interface CtrEvent {
  id: string;
  age: string;
  salary: string;
  commission: string;
  elevel: string;
  car: string;
  zipcode: string;
  hvalue: string;
  hyears: string;
  loan: string;
  label: 0 | 1;
}

const band = (prefix: string, value: number, width: number): string => `${prefix}${Math.floor(value / width)}`;

export function* ctrEventStream(config: AgrawalConfig = {}): Generator<CtrEvent> {
  let i = 0;
  for (const a of agrawalStream(config)) {
    yield {
      id: `e${i++}`,
      age: band('age', a.age, 10),
      salary: band('sal', a.salary, 25_000),
      commission: band('com', a.commission, 25_000),
      elevel: `edu${a.elevel}`,
      car: `car${a.car}`,
      zipcode: `zip${a.zipcode}`,
      hvalue: band('hv', a.hvalue, 100_000),
      hyears: band('hy', a.hyears, 5),
      loan: band('loan', a.loan, 50_000),
      label: a.label,
    };
  }
}
