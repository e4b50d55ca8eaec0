/** The error `action` throws; a test that expected one fails when it throws none. */
export function errorOf(action: () => unknown): Error {
  try {
    action();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected an error, none was thrown');
}
